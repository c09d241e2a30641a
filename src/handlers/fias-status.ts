// Our extension to seed 000 (not in the seed): Action: Query, CallMethod: FiasStatus. The FIAS link's
// state for the operator console and pms-cli: state and phase (seed 002's names), since when, why, and
// the traffic counts. Any logged-in account (grade 1 or 2) may ask. Without fias.enabled it is an
// error reply naming the key, so a technician knows what to switch on.
import { ProtocolError } from '../errors.js';
import type { FiasControl } from '../fias/wire.js';
import type { Services } from './types.js';
import { defineHandler } from './types.js';

export const FIAS_NOT_ENABLED = 'FIAS is not enabled (fias.enabled)';

/** The FIAS link, or the error reply that says it is off. */
export function fiasLink(services: Services): FiasControl {
  if (!services.fias) throw new ProtocolError(FIAS_NOT_ENABLED);
  return services.fias;
}

export default defineHandler({
  action: 'Query',
  callMethod: 'FiasStatus',
  requiresLogin: true,
  errorEcho: [],
  parse: () => ({}),
  async handle(_req, { services }) {
    const s = fiasLink(services).status();
    const last = s.transitions.at(-1);
    return [
      ['State', s.state],
      ['Phase', s.phase],
      ['Since', s.since],
      ['Why', s.why],
      ['CanSend', s.canSend ? 1 : 0],
      ...(s.retryInMs === undefined ? [] : [['RetryInMs', s.retryInMs] as const]),
      ['RecordsIn', s.recordsIn],
      ['RecordsOut', s.recordsOut],
      ['InvalidRecords', s.invalidRecords],
      ['FrameErrors', s.frameErrors],
      ['Applied', s.applied],
      ['Failed', s.failed],
      ['Transitions', s.transitions.length],
      ...(last ? [['LastChange', `${last.at} ${last.from} -> ${last.to}`] as const] : []),
    ];
  },
});
