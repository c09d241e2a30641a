// Configuration keys of the operator console (issue 14): the engine's own HTTP server, off by default,
// on loopback unless told otherwise, optionally over TLS. Part of KEYS (schema.ts), after the FIAS keys.
import { accessSync, constants } from 'node:fs';
import type { Config, KeySpec } from './types.js';

export const HTTP_KEYS: KeySpec[] = [
  {
    path: 'http.enabled',
    env: 'PMS_HTTP_ENABLED',
    kind: 'bool',
    default: false,
    doc: 'serve the operator console (links, rooms, wake-ups, the PMS conversation), /healthz, /readyz and /metrics',
  },
  {
    path: 'http.host',
    env: 'PMS_HTTP_HOST',
    kind: 'string',
    default: '127.0.0.1',
    doc: 'address the console binds to (loopback by default: put a reverse proxy or http.certFile in front before opening it)',
    check: (v) => (String(v).trim() === '' ? 'must not be empty' : undefined),
  },
  {
    path: 'http.port',
    env: 'PMS_HTTP_PORT',
    kind: 'int',
    default: 8090,
    min: 0,
    max: 65535,
    doc: 'TCP port of the console (0 = any free port)',
  },
  {
    path: 'http.certFile',
    env: 'PMS_HTTP_CERT_FILE',
    kind: 'string',
    default: '',
    defaultDoc: '(none)',
    doc: 'PEM certificate (and chain): with http.keyFile the console is served over HTTPS only, and its cookie is Secure',
  },
  {
    path: 'http.keyFile',
    env: 'PMS_HTTP_KEY_FILE',
    kind: 'string',
    default: '',
    defaultDoc: '(none)',
    doc: "PEM file of the console certificate's private key",
    secret: true,
  },
  {
    path: 'http.sessionHours',
    env: 'PMS_HTTP_SESSION_HOURS',
    kind: 'int',
    default: 12,
    min: 1,
    max: 168,
    doc: 'a console login lasts this long (or until the engine restarts, or logout)',
  },
  {
    path: 'http.conversationFrames',
    env: 'PMS_HTTP_CONVERSATION_FRAMES',
    kind: 'int',
    default: 200,
    min: 10,
    max: 5000,
    doc: 'frames in and out kept per PMS session for the console (heartbeats apart), passwords masked',
  },
];

/** What is wrong with the console's keys together (half a TLS pair, a file that cannot be read). */
export function httpProblems(http: Config['http']): string[] {
  if (!http.enabled) return [];
  const problems: string[] = [];
  if ((http.certFile === '') !== (http.keyFile === ''))
    problems.push('http.certFile, http.keyFile: give both (HTTPS) or neither (plain HTTP)');
  for (const [key, path] of [
    ['http.certFile', http.certFile],
    ['http.keyFile', http.keyFile],
  ] as const) {
    if (path === '') continue;
    try {
      accessSync(path, constants.R_OK);
    } catch (err) {
      problems.push(`${key}: ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return problems;
}
