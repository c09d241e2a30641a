// Configuration keys of the FIAS link to an Oracle-style PMS (issue 13): where its interface (IFC)
// listens, the code page, the link's deadlines and the mapping of FIAS values to ours. Part of KEYS
// (schema.ts), after the feature keys. The link's own floors (src/fias/link-options.ts) are repeated
// here as minimums so a technician hears about a too-short value at start, not as a silent raise.
import { readFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTariffs } from '../domain/tariffs.js';
import type { Config, FiasCallCharges, FiasConfigEncoding, KeySpec } from './types.js';

/** The values `fias.encoding` takes (the type is in types.ts). */
export const FIAS_CONFIG_ENCODINGS: readonly FiasConfigEncoding[] = ['latin1', 'cp850', 'utf8'];
/** The values `fias.callCharges` takes. */
export const FIAS_CALL_CHARGES: readonly FiasCallCharges[] = ['duration', 'amount', 'off'];

// LD's V#: 1-10 characters, printable, never the field separator ("LD - Link Description").
const VERSION = /^[\x20-\x7B\x7D\x7E]{1,10}$/;

/** Our `V#` by default: the engine's package version (package.json, from src/ or dist/src/). */
const PACKAGE_VERSION = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  const up = here.split(sep).includes('dist') ? '../../../package.json' : '../../package.json';
  try {
    const v = (JSON.parse(readFileSync(resolve(here, up), 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' && VERSION.test(v) ? v : '1.0';
  } catch {
    return '1.0';
  }
})();

/**
 * Classes of seed 000 (ExtenLimit 1-5) by FIAS CS 0-3 (barred, local, national, unrestricted): the one
 * type of the mapping, read from `fias.classMap` and used by the room core (src/fias/inbound/).
 */
export type FiasClassMap = Readonly<Record<'0' | '1' | '2' | '3', 1 | 2 | 3 | 4 | 5>>;

/** Reads `0:1,1:3,2:4,3:5`; a string with the problem in words when it is not such a list. */
export function parseClassMap(raw: string): FiasClassMap | string {
  const out: Partial<Record<'0' | '1' | '2' | '3', 1 | 2 | 3 | 4 | 5>> = {};
  for (const part of raw.split(',').map((p) => p.trim())) {
    const m = /^([0-3]):([1-5])$/.exec(part);
    if (!m) return `"${part}" is not CS:class (CS 0-3, class 1-5), e.g. 0:1,1:3,2:4,3:5`;
    const cs = m[1] as '0' | '1' | '2' | '3';
    if (out[cs] !== undefined) return `CS ${cs} is mapped twice`;
    out[cs] = Number(m[2]) as 1 | 2 | 3 | 4 | 5;
  }
  for (const cs of ['0', '1', '2', '3'] as const) if (out[cs] === undefined) return `CS ${cs} has no class`;
  return out as FiasClassMap;
}

/** An ISO date or date-time (`2027-03-31`, `2027-03-31T23:59:00+01:00`), or undefined. */
export function parseExpiresAt(raw: string): Date | undefined {
  if (raw === '') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw))
    return new Date(NaN);
  return new Date(raw);
}

const secs = (path: string, env: string, def: number, min: number, max: number, doc: string): KeySpec => ({
  path,
  env,
  kind: 'int',
  default: def,
  min,
  max,
  doc,
});

export const FIAS_KEYS: KeySpec[] = [
  {
    path: 'fias.enabled',
    env: 'PMS_FIAS_ENABLED',
    kind: 'bool',
    default: false,
    doc: 'connect to an Oracle-style PMS interface (FIAS over TCP); the engine is the client, the IFC listens',
  },
  {
    path: 'fias.host',
    env: 'PMS_FIAS_HOST',
    kind: 'string',
    default: '',
    defaultDoc: '(none)',
    doc: "address of the PMS's FIAS interface (IFC); required when fias.enabled",
  },
  {
    path: 'fias.port',
    env: 'PMS_FIAS_PORT',
    kind: 'int',
    default: 0,
    defaultDoc: '(none)',
    min: 0,
    max: 65535,
    doc: "TCP port of the PMS's FIAS interface, as its installer configured it; required when fias.enabled",
  },
  {
    path: 'fias.encoding',
    env: 'PMS_FIAS_ENCODING',
    kind: 'string',
    default: 'latin1',
    doc: `code page of the FIAS records: ${FIAS_CONFIG_ENCODINGS.join(', ')} (the same as the interface's; guest names with accents depend on it)`,
    check: (v) =>
      (FIAS_CONFIG_ENCODINGS as readonly string[]).includes(String(v))
        ? undefined
        : `must be one of ${FIAS_CONFIG_ENCODINGS.join(', ')}`,
  },
  secs(
    'fias.keepaliveSec',
    'PMS_FIAS_KEEPALIVE_SEC',
    300,
    300,
    86_400,
    'seconds between our alive checks (an LS the PMS answers with LA); FIAS allows no more than one every 5 minutes',
  ),
  secs(
    'fias.ackTimeoutSec',
    'PMS_FIAS_ACK_TIMEOUT_SEC',
    3,
    1,
    60,
    'an alive check not answered within this drops the link, which then reconnects',
  ),
  secs(
    'fias.initTimeoutSec',
    'PMS_FIAS_INIT_TIMEOUT_SEC',
    30,
    30,
    600,
    "seconds to wait for the PMS's LA after our link description (LD/LR/LA); FIAS asks for at least 30",
  ),
  secs(
    'fias.connectTimeoutSec',
    'PMS_FIAS_CONNECT_TIMEOUT_SEC',
    10,
    1,
    120,
    'seconds a TCP connect to the interface may take before it is abandoned and retried',
  ),
  secs(
    'fias.leTimeoutSec',
    'PMS_FIAS_LE_TIMEOUT_SEC',
    2,
    1,
    30,
    "after our LE (disconnect, disable), seconds to wait for the PMS's LE before closing",
  ),
  secs(
    'fias.resyncTimeoutSec',
    'PMS_FIAS_RESYNC_TIMEOUT_SEC',
    30,
    5,
    600,
    'a database resync (DR…DS…DE) with no record for this long is given up and sending resumes',
  ),
  {
    path: 'fias.reconnect.initialDelayMs',
    env: 'PMS_FIAS_RECONNECT_INITIAL_MS',
    kind: 'int',
    default: 1_000,
    min: 10,
    max: 60_000,
    doc: 'first delay before reconnecting to the interface; doubles on each failed attempt (with jitter)',
  },
  {
    path: 'fias.reconnect.maxDelayMs',
    env: 'PMS_FIAS_RECONNECT_MAX_MS',
    kind: 'int',
    default: 60_000,
    min: 100,
    max: 600_000,
    doc: 'cap of the FIAS reconnect delay',
  },
  {
    path: 'fias.version',
    env: 'PMS_FIAS_VERSION',
    kind: 'string',
    default: PACKAGE_VERSION,
    defaultDoc: "the engine's version",
    doc: 'our version as the PMS sees it (V# of our LD record): 1-10 characters',
    check: (v) =>
      VERSION.test(String(v)) ? undefined : '1-10 printable characters without "|" (e.g. 1.4.2)',
  },
  {
    path: 'fias.expiresAt',
    env: 'PMS_FIAS_EXPIRES_AT',
    kind: 'string',
    default: '',
    defaultDoc: '(none)',
    doc: 'end of the PMS interface contract, an ISO date (2027-03-31) or date-time; from then on the link is EXPIRED. Empty: no end',
    check: (v) => {
      const d = parseExpiresAt(String(v));
      return d === undefined || !Number.isNaN(d.getTime())
        ? undefined
        : 'an ISO date such as 2027-03-31 or 2027-03-31T23:59:00+01:00, or empty';
    },
  },
  {
    path: 'fias.classMap',
    env: 'PMS_FIAS_CLASS_MAP',
    kind: 'string',
    default: '0:1,1:3,2:4,3:5',
    doc: 'dialling class (1-5, as ExtenLimit) for each FIAS class of service CS (0 barred, 1 local, 2 national, 3 unrestricted), as CS:class pairs',
    check: (v) => {
      const m = parseClassMap(String(v));
      return typeof m === 'string' ? m : undefined;
    },
  },
  {
    path: 'fias.wakeupAttempts',
    env: 'PMS_FIAS_WAKEUP_ATTEMPTS',
    kind: 'int',
    default: 3,
    min: 1,
    max: 10,
    doc: 'calls placed for one FIAS wake-up (WR) before its one answer (WA) says no response or busy',
  },
  secs(
    'fias.postingAckTimeoutSec',
    'PMS_FIAS_POSTING_ACK_TIMEOUT_SEC',
    30,
    30,
    600,
    "seconds to wait for the PMS's answer (PA) to a call charge (PS) before sending it again; FIAS asks for at least 30",
  ),
  {
    path: 'fias.callCharges',
    env: 'PMS_FIAS_CALL_CHARGES',
    kind: 'string',
    default: 'duration',
    doc: 'how outside calls from checked-in rooms are posted: duration (PS PT T with the dialled digits and the duration; the PMS costs them), amount (PS PT C with the charge TA costed by fias.tariffs) or off (no postings)',
    check: (v) =>
      (FIAS_CALL_CHARGES as readonly string[]).includes(String(v))
        ? undefined
        : `must be one of ${FIAS_CALL_CHARGES.join(', ')}`,
  },
  {
    path: 'fias.tariffs',
    env: 'PMS_FIAS_TARIFFS',
    kind: 'string',
    default: '',
    defaultDoc: '(none)',
    doc: 'with fias.callCharges amount: the charge of each outside call type, as type:setup+price/seconds (minor units: a setup charge, then the price of every started block of seconds), e.g. local:0+10/60,longdistance:25+30/60,international:50+150/30',
    check: (v) => {
      if (String(v) === '') return undefined;
      const t = parseTariffs(String(v));
      return typeof t === 'string' ? t : undefined;
    },
  },
];

/** What is wrong with the FIAS keys together (a link enabled without its address, a backoff upside down). */
export function fiasProblems(fias: Config['fias']): string[] {
  const problems: string[] = [];
  if (fias.reconnect.maxDelayMs < fias.reconnect.initialDelayMs)
    problems.push('fias.reconnect.maxDelayMs: must be at least fias.reconnect.initialDelayMs');
  if (fias.callCharges === 'amount' && fias.tariffs.trim() === '')
    problems.push('fias.tariffs: required when fias.callCharges is amount (the charge of each call type)');
  if (!fias.enabled) return problems;
  if (fias.host.trim() === '')
    problems.push("fias.host: required when fias.enabled is true (the PMS interface's address)");
  if (fias.port < 1)
    problems.push("fias.port: required when fias.enabled is true (the PMS interface's TCP port, 1-65535)");
  return problems;
}
