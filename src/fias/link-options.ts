// The options of the FIAS link state machine (src/fias/link.ts), their defaults and floors, and the
// link's one typed error. The names are those the config module will give the keys (fias.keepaliveSec
// …); until then the composition root passes them in plain.
import type { BackoffConfig } from '../config/index.js';
import { isValidTimeZone } from '../time/zone.js';

/** Listen this long for the PMS after connecting before starting the link ourselves (spec: ≥ 3 s). */
export const LISTEN_MS = 3_000;

export interface FiasLinkOptions {
  /** `V#` of our LD: the vendor system's version, 1–10 characters ("LD - Link Description"). */
  version: string;
  /**
   * The record types we use, record ID → field IDs run together (`{ GI: 'RNG#GNGLGSSF' }`). One LR
   * per entry, with the fields of both directions in one list (spec "Appendix A - FAQ").
   */
  records: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** The hotel's IANA zone: DA/TI of LS, LD, LA, LE and DR are its local time. */
  timeZone: string;
  /** Seconds between our alive-check LS records; at least 300 ("Usage of LS LD LA LE Records"). */
  keepaliveSec?: number;
  /** Seconds to wait for the LA that answers our alive-check LS (seed 002: 3 s). */
  ackTimeoutSec?: number;
  /** Seconds to wait for the PMS's LA after our LD/LR/LA ("Time outs waiting for Responses": ≥ 30). */
  initTimeoutSec?: number;
  /** Seconds the adapter has to open the TCP connection. */
  connectTimeoutSec?: number;
  /** Seconds to wait for the PMS's LE after ours (the IFC itself waits about 2 s). */
  leTimeoutSec?: number;
  /** Seconds to wait for DS after our DR, and between two records of a resync, before giving up. */
  resyncTimeoutSec?: number;
  /** Reconnect backoff after EXPECTION (capped exponential, equal jitter: src/links/backoff.ts). */
  reconnect?: BackoffConfig;
  /** End of the PMS interface contract: from then on the link is EXPIRED. None: no end date. */
  expiresAt?: Date | undefined;
}

/** Options with every default applied and every floor enforced, in milliseconds. */
export interface ResolvedLinkOptions {
  readonly version: string;
  readonly records: ReadonlyMap<string, string>;
  readonly timeZone: string;
  readonly keepaliveMs: number;
  readonly ackTimeoutMs: number;
  readonly initTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly leTimeoutMs: number;
  readonly resyncTimeoutMs: number;
  readonly reconnect: BackoffConfig;
}

/** "Usage of LS LD LA LE Records", "Alive-Check": no alive-check LS more often than every 5 minutes. */
export const KEEPALIVE_FLOOR_SEC = 300;
export const LINK_DEFAULTS = {
  keepaliveSec: KEEPALIVE_FLOOR_SEC,
  ackTimeoutSec: 3,
  initTimeoutSec: 30,
  connectTimeoutSec: 10,
  leTimeoutSec: 2,
  resyncTimeoutSec: 30,
  reconnect: { initialDelayMs: 1_000, maxDelayMs: 60_000 },
} as const;

/**
 * Records the link itself handles. The FAQ says they need no LR (fixed formats), and only the link
 * may send them: an LS or LE from the outbox would confuse the PMS's view of the link.
 */
export const LINK_RECORD_IDS: ReadonlySet<string> = new Set(['LS', 'LD', 'LR', 'LA', 'LE', 'DR', 'DS', 'DE']);

export type FiasLinkErrorCode = 'invalid-option' | 'cannot-send' | 'link-record' | 'resync-refused';

/** The FIAS link refused a request (bad option, data while not sendable …); `code` says which. */
export class FiasLinkError extends Error {
  override readonly name = 'FiasLinkError';
  constructor(
    readonly code: FiasLinkErrorCode,
    message: string,
    readonly context: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const RECORD_ID = /^[A-Z0-9]{2}$/;
// Field IDs are 2 characters of the printable ASCII set, never the separator (spec "Field types").
const FIELD_LIST = /^(?:[\x21-\x7B\x7D\x7E]{2})+$/;
const VERSION = /^[\x20-\x7B\x7D\x7E]{1,10}$/;

export function resolveLinkOptions(options: FiasLinkOptions): ResolvedLinkOptions {
  const problems: string[] = [];
  if (!VERSION.test(options.version)) problems.push('version must be 1-10 printable characters without "|"');
  const records = new Map<string, string>(
    options.records instanceof Map ? options.records : Object.entries(options.records),
  );
  if (records.size === 0) problems.push('records must list at least one record type');
  for (const [id, fields] of records) {
    if (!RECORD_ID.test(id)) problems.push(`records: "${id}" is not a 2-character record ID`);
    else if (LINK_RECORD_IDS.has(id)) problems.push(`records: ${id} is a link record and needs no LR`);
    if (!FIELD_LIST.test(fields))
      problems.push(`records.${id}: "${fields}" is not a list of 2-character field IDs`);
  }
  if (!isValidTimeZone(options.timeZone))
    problems.push(`timeZone "${options.timeZone}" is not an IANA time zone`);
  const seconds = (name: keyof typeof LINK_DEFAULTS, value: number | undefined): number => {
    const v = value ?? (LINK_DEFAULTS[name] as number);
    if (!Number.isFinite(v) || v <= 0) problems.push(`${name} must be a positive number of seconds`);
    return Math.round(v * 1000);
  };
  const reconnect = options.reconnect ?? LINK_DEFAULTS.reconnect;
  if (!(reconnect.initialDelayMs > 0) || !(reconnect.maxDelayMs >= reconnect.initialDelayMs))
    problems.push('reconnect needs 0 < initialDelayMs <= maxDelayMs');
  const resolved: ResolvedLinkOptions = {
    version: options.version,
    records,
    timeZone: options.timeZone,
    // A shorter interval is raised to the floor, not refused: FIAS asks for it, seed 002 only wants "timed".
    keepaliveMs: Math.max(seconds('keepaliveSec', options.keepaliveSec), KEEPALIVE_FLOOR_SEC * 1000),
    ackTimeoutMs: seconds('ackTimeoutSec', options.ackTimeoutSec),
    initTimeoutMs: seconds('initTimeoutSec', options.initTimeoutSec),
    connectTimeoutMs: seconds('connectTimeoutSec', options.connectTimeoutSec),
    leTimeoutMs: seconds('leTimeoutSec', options.leTimeoutSec),
    resyncTimeoutMs: seconds('resyncTimeoutSec', options.resyncTimeoutSec),
    reconnect: { initialDelayMs: reconnect.initialDelayMs, maxDelayMs: reconnect.maxDelayMs },
  };
  if (options.expiresAt !== undefined && Number.isNaN(options.expiresAt.getTime()))
    problems.push('expiresAt is not a valid date');
  if (problems.length > 0)
    throw new FiasLinkError('invalid-option', `FIAS link options: ${problems.join('; ')}`, { problems });
  return resolved;
}
