// What a record from the PMS means to the FIAS link, by state and phase: one pure dispatcher, so the
// rules of "FIAS Implementation Notes & Exceptions" and "Usage of LS LD LA LE Records" sit in one table
// and src/fias/link.ts only carries them out.
import { LINK_RECORD_IDS } from './link-options.js';
import type { FiasLinkPhase, FiasLinkState } from './link-states.js';

export type LinkAction =
  /** Send LD/LR…/LA and wait for the PMS's LA. */
  | 'start'
  /** ESTABLISHED: the PMS (re)started its side; describe ours again. */
  | 'redescribe'
  /** The PMS's LE: answer LE, keep the connection, send nothing until its next record. */
  | 'pms-ended'
  /** Become ESTABLISHED, then handle the same record as an established link. */
  | 'establish'
  /** The LA answering our alive-check LS. */
  | 'alive'
  | 'resync-start'
  | 'resync-end'
  /** For the features (GI, GO, RE …). */
  | 'data'
  /** The PMS's LE answering ours. */
  | 'ended'
  /** Expected and harmless, nothing to do (logged at debug). */
  | 'skip'
  /** Not expected here: dropped and logged. */
  | 'ignore';

export interface LinkSituation {
  readonly state: FiasLinkState;
  readonly phase: FiasLinkPhase;
  /** Our alive-check LS waits for its LA. */
  readonly ackPending: boolean;
  /** Between our DR or the PMS's DS and its DE. */
  readonly resyncActive: boolean;
}

export function linkAction(at: LinkSituation, id: string): { action: LinkAction; why: string } {
  const data = !LINK_RECORD_IDS.has(id);
  if (at.state === 'WAIT_LS') {
    if (id === 'LS') return { action: 'start', why: 'PMS sent LS' };
    if (id === 'LE') return { action: 'pms-ended', why: 'PMS sent LE before the link was established' };
    // The IFC sends data only once Alive, so a data record in place of its LA proves it is.
    if (at.phase === 'init-sent' && (id === 'LA' || data))
      return {
        action: 'establish',
        why: id === 'LA' ? 'PMS answered our LA: link alive' : `PMS sent ${id} after our LA`,
      };
    // After its LE the link comes back on the PMS's next record, even without LS.
    if (at.phase === 'pms-ended')
      return { action: 'establish', why: `PMS sent ${id} after its LE: link reactivated without LS` };
    // The IFC itself ignores data before the start-up sequence; so do we.
    return { action: 'ignore', why: 'link not established' };
  }
  if (at.state === 'ESTABLISHED') {
    switch (id) {
      case 'LS':
        return { action: 'redescribe', why: 'PMS sent LS' };
      case 'LA':
        return at.ackPending
          ? { action: 'alive', why: 'PMS answered our LS' }
          : { action: 'skip', why: 'LA outside an alive check (its answer to our LA)' };
      case 'LE':
        return { action: 'pms-ended', why: 'PMS sent LE' };
      case 'DS':
        return { action: 'resync-start', why: 'PMS sent DS' };
      case 'DE':
        return at.resyncActive
          ? { action: 'resync-end', why: 'PMS sent DE' }
          : { action: 'ignore', why: 'DE without DR or DS' };
      default:
        return data ? { action: 'data', why: '' } : { action: 'ignore', why: 'only we send it' };
    }
  }
  // Our LE is out (WAIT_LE, or DISABLED/EXPIRED right after ESTABLISHED): the PMS's LE ends the link.
  // Its data was sent before it saw our LE and will not come again: deliver it.
  if (at.phase === 'ending') {
    if (id === 'LE') return { action: 'ended', why: 'PMS answered our LE' };
    return data ? { action: 'data', why: '' } : { action: 'ignore', why: 'ending the link' };
  }
  return { action: 'ignore', why: 'no link' };
}
