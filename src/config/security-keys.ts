// Configuration keys that guard the PMS port: the per-address login throttle and lockout, and the
// connection caps. Part of KEYS (schema.ts), after the other session keys.
import type { KeySpec } from './schema.js';

export const LOGIN_GUARD_KEYS: KeySpec[] = [
  {
    path: 'session.loginFreeFailures',
    env: 'PMS_LOGIN_FREE_FAILURES',
    kind: 'int',
    default: 3,
    min: 0,
    max: 100,
    doc: 'failed logins from one address (across connections) answered at once; each further failure is answered after a delay that doubles from 0.5 s up to session.loginDelayMaxMs',
  },
  {
    path: 'session.loginDelayMaxMs',
    env: 'PMS_LOGIN_DELAY_MAX_MS',
    kind: 'int',
    default: 8_000,
    min: 0,
    // Below the 30 s request deadline, so a delayed refusal is never reported as a timeout.
    max: 20_000,
    doc: 'cap of the delay of a failed login reply (0 = no delay); only that session waits, its heartbeats are still answered',
  },
  {
    path: 'session.lockoutFailures',
    env: 'PMS_LOCKOUT_FAILURES',
    kind: 'int',
    default: 10,
    min: 1,
    max: 1_000,
    doc: 'failed logins from one address that lock it out for session.lockoutSec: its logins are refused unchecked (even the right password) and its new connections closed; a successful login clears the count',
  },
  {
    path: 'session.lockoutSec',
    env: 'PMS_LOCKOUT_SEC',
    kind: 'int',
    default: 300,
    min: 1,
    max: 86_400,
    doc: "how long a lockout lasts; an address's failures are forgotten once this long passes without a new one",
  },
  {
    path: 'session.maxConnections',
    env: 'PMS_MAX_CONNECTIONS',
    kind: 'int',
    default: 256,
    min: 1,
    max: 65_535,
    doc: 'connections held at once (logged in or not); one more is sent an error and closed at once',
  },
  {
    path: 'session.maxUnauthenticated',
    env: 'PMS_MAX_UNAUTHENTICATED',
    kind: 'int',
    default: 32,
    min: 1,
    max: 65_535,
    doc: 'connections not logged in yet held at once (each has session.loginTimeoutSec to log in); one more is sent an error and closed at once. Refusals are logged once per burst',
  },
];
