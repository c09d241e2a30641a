// seed 000 §5.2 — Action: UserLogout, CallMethod: Account. The connection stays open afterwards.
import { ProtocolError } from '../errors.js';
import { defineHandler } from './types.js';

export default defineHandler({
  action: 'UserLogout',
  callMethod: 'Account',
  requiresLogin: true,
  errorEcho: ['User'],
  parse(frame) {
    return { user: frame.get('User') ?? '' };
  },
  async handle(req, { session, log }) {
    const current = session.account!;
    // User is optional on logout; when given it must be the session's own user.
    if (req.user && req.user !== current.user)
      throw new ProtocolError(`Logout failed: this session is logged in as ${current.user}, not ${req.user}`);
    session.logout();
    log.info({ user: current.user }, 'logged out');
    return [['User', current.user]];
  },
});
