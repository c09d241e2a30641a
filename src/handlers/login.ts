// seed 000 §5.1 — Action: UserLogin, CallMethod: Account.
import { ProtocolError } from '../errors.js';
import { defineHandler } from './types.js';

/** The seed's own failure text (§5.1 demo), kept for PMS software that matches on it. */
export const LOGIN_FAILED = 'User Login failed, Password Wrong !';

export default defineHandler({
  action: 'UserLogin',
  callMethod: 'Account',
  requiresLogin: false,
  errorEcho: [],
  parse(frame) {
    const user = frame.get('User') ?? '';
    const password = frame.get('Password') ?? '';
    if (!user || !password) throw new ProtocolError('User Login failed, User and Password are required');
    return { user, password };
  },
  async handle(req, { session, services, log }) {
    const account = await services.accounts.verify(req.user, req.password);
    if (!account) {
      log.warn({ user: req.user, remote: session.remote }, 'login failed');
      session.loginFailed();
      throw new ProtocolError(LOGIN_FAILED, { user: req.user });
    }
    session.login(account);
    log.info({ user: account.user, grade: account.grade }, 'logged in');
    // The seed's demo echoes Password here; we never send a password back (docs/pms-protocol.md §5.1).
    return [
      ['User', account.user],
      ['Grade', account.grade],
    ];
  },
});
