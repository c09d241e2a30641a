// Our extension to seed 000 (not in the seed): Action: Set, CallMethod: FiasLink, Command: enable |
// disable | disconnect. The operator's switch of seed 002's link: enable brings it up (from DISABLED or
// CLOSED), disable ends it with LE and keeps it down, disconnect ends it with LE (WAIT_LE → CLOSED)
// until the next enable. Administrators (grade 1) only: it stops the hotel's PMS interface.
import { ProtocolError } from '../errors.js';
import { fiasLink } from './fias-status.js';
import { defineHandler } from './types.js';

const COMMANDS = ['enable', 'disable', 'disconnect'] as const;
type Command = (typeof COMMANDS)[number];

export default defineHandler({
  action: 'Set',
  callMethod: 'FiasLink',
  requiresLogin: true,
  errorEcho: ['Command'],
  parse(f) {
    const command = (f.get('Command') ?? '').trim().toLowerCase();
    if (!(COMMANDS as readonly string[]).includes(command))
      throw new ProtocolError(
        `Command must be enable, disable or disconnect, not "${f.get('Command') ?? ''}"`,
      );
    return { command: command as Command };
  },
  async handle(req, { services, session, log }) {
    if (session.account?.grade !== 1)
      throw new ProtocolError('FiasLink needs an administrator account (grade 1)');
    const link = fiasLink(services);
    link[req.command]();
    const s = link.status();
    log.info(
      { link: 'fias', command: req.command, user: session.account.user, state: s.state },
      'FIAS link command',
    );
    return [
      ['Command', req.command],
      ['State', s.state],
      ['Why', s.why],
    ];
  },
});
