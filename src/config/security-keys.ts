// Configuration keys that guard the PMS port: the per-address login throttle and lockout, the
// connection caps, and the optional TLS listener.
import { accessSync, constants } from 'node:fs';
import { nonEmpty } from './checks.js';
import type { Config, KeySpec } from './types.js';

/** Part of KEYS (schema.ts), after the other session keys. */
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

/** The optional TLS listener, for a PMS whose link crosses a network. Part of KEYS, after listen.*. */
export const TLS_KEYS: KeySpec[] = [
  {
    path: 'tls.enabled',
    env: 'PMS_TLS_ENABLED',
    kind: 'bool',
    default: false,
    doc: 'also listen for the PMS protocol over TLS (same commands and sessions as the plain port)',
  },
  {
    path: 'tls.host',
    env: 'PMS_TLS_HOST',
    kind: 'string',
    default: '0.0.0.0',
    doc: 'address the TLS listener binds to',
    check: nonEmpty,
  },
  {
    path: 'tls.port',
    env: 'PMS_TLS_PORT',
    kind: 'int',
    default: 5079,
    min: 0,
    max: 65535,
    doc: 'TCP port of the PMS protocol over TLS (0 = any free port)',
  },
  {
    path: 'tls.certFile',
    env: 'PMS_TLS_CERT_FILE',
    kind: 'string',
    default: '',
    defaultDoc: '(none)',
    doc: "PEM file of the engine's certificate (and its chain); required when tls.enabled",
  },
  {
    path: 'tls.keyFile',
    env: 'PMS_TLS_KEY_FILE',
    kind: 'string',
    default: '',
    defaultDoc: '(none)',
    doc: 'PEM file of its private key (unencrypted; readable by the engine only); required when tls.enabled',
    secret: true,
  },
  {
    path: 'tls.caFile',
    env: 'PMS_TLS_CA_FILE',
    kind: 'string',
    default: '',
    defaultDoc: '(none)',
    doc: 'PEM file of the CA certificates client certificates must be signed by; required with tls.requireClientCert',
  },
  {
    path: 'tls.requireClientCert',
    env: 'PMS_TLS_REQUIRE_CLIENT_CERT',
    kind: 'bool',
    default: false,
    doc: 'refuse TLS clients without a certificate signed by tls.caFile (the PMS account login is still required)',
  },
];

/** What is wrong with the TLS keys together (files named but unreadable, a missing pair). */
export function tlsProblems(tls: Config['tls']): string[] {
  if (!tls.enabled) return [];
  const problems: string[] = [];
  const file = (key: string, path: string, required: string | undefined): void => {
    if (path === '') {
      if (required) problems.push(`${key}: required ${required}`);
      return;
    }
    try {
      accessSync(path, constants.R_OK);
    } catch (err) {
      problems.push(
        `${key}: ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path and that the engine's user may read it`,
      );
    }
  };
  file('tls.certFile', tls.certFile, 'when tls.enabled is true (a PEM certificate)');
  file('tls.keyFile', tls.keyFile, 'when tls.enabled is true (a PEM private key)');
  file('tls.caFile', tls.caFile, tls.requireClientCert ? 'when tls.requireClientCert is true' : undefined);
  return problems;
}
