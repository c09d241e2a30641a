// seed 000 §5.1 — Action: UserLogin, CallMethod: Account.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { ProtocolError } from '../errors.js';
import { clip } from '../log.js';
import { defineHandler } from './types.js';

/** The seed's own failure text (§5.1 demo), kept for PMS software that matches on it. */
export const LOGIN_FAILED = 'User Login failed, Password Wrong !';

/** The refusal while the source address is locked out (no password is checked). */
export const lockedOutMessage = (sec: number): string =>
  `User Login locked: too many failed logins from this address; try again in ${sec} s`;

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
  async handle(req, { session, services, log, signal }) {
    const user = clip(req.user);
    refuseIfLocked(session.lockedOutFor(), user, session.remote, log);
    const account = await services.accounts.verify(req.user, req.password);
    // Another connection from this address may have locked it out while the hash was checked: even
    // the right password is refused then.
    refuseIfLocked(session.lockedOutFor(), user, session.remote, log);
    if (!account) {
      const { delayMs } = session.loginFailed();
      log.warn({ user, remote: session.remote, delayMs }, 'login failed');
      // Only this session's reply waits (a timer, not a busy loop): other sessions, and this one's
      // heartbeats, are answered meanwhile. The request's deadline is well above loginDelayMaxMs.
      if (delayMs > 0) await sleep(delayMs, undefined, { signal }).catch(() => undefined);
      throw new ProtocolError(LOGIN_FAILED, { user });
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

function refuseIfLocked(sec: number, user: string | undefined, remote: string, log: Logger): void {
  if (sec === 0) return;
  log.info({ user, remote, lockedForSec: sec }, 'login refused: address locked out');
  throw new ProtocolError(lockedOutMessage(sec), { user });
}
