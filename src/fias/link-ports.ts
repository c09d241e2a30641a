// What the FIAS link (src/fias/link.ts) takes from and gives to its surroundings: the TCP adapter
// (connect/send/close, and per connection connected/disconnected/received), the features and the
// durable outbox (data, linkUp/linkDown, canSendChanged, resync), and its clock.
import type { Logger } from '../log.js';
import type { LinkStamp } from './link-records.js';
import type { FiasLinkChange } from './link-states.js';
import type { LinkClock } from './link-timers.js';
import type { FiasRecord } from './record.js';

/**
 * One connection attempt, handed to the adapter by connect(). The brief's inputs connected(),
 * disconnected() and received() live here, so a late event from an old socket lands on a stale handle
 * and is ignored (the connection epoch of src/links/link.ts).
 */
export interface FiasLinkConnection {
  readonly epoch: number;
  /** Still the link's connection (not closed, replaced or reported lost). */
  readonly current: boolean;
  /** The TCP connection is open. */
  connected(): void;
  /** The TCP connection failed or closed. */
  disconnected(reason: string): void;
  /** One record read from the connection. */
  received(record: FiasRecord): void;
}

export interface FiasResyncResult {
  /** The PMS's DE closed it; false: given up on (timeout, link lost, PMS restart). */
  readonly complete: boolean;
  readonly why: string;
}

export interface FiasLinkOutputs {
  /** Open a TCP connection to the PMS and report on it through `conn`. */
  connect(conn: FiasLinkConnection): void;
  /** Write one record on the current connection. */
  send(record: FiasRecord): void;
  /** Close the current connection (or abandon the attempt). Not asked after `disconnected()`. */
  close(why: string): void;
  stateChanged?(change: FiasLinkChange): void;
  /** ESTABLISHED reached. */
  linkUp?(): void;
  /** ESTABLISHED left. */
  linkDown?(why: string): void;
  /** canSendData() changed: the outbox may (true) or must not (false) send data records. */
  canSendChanged?(canSend: boolean, why: string): void;
  /** A record for the features (GI, GO, RE …), received while ESTABLISHED or while ending the link. */
  data?(record: FiasRecord): void;
  resyncStart?(): void;
  /** Ends a DS…DE window, or a DR that got no DS. */
  resyncEnd?(result: FiasResyncResult): void;
}

export interface FiasLinkDeps {
  clock: LinkClock;
  /** Jitter source of the reconnect backoff, in [0, 1). */
  random?: () => number;
  log?: Logger;
  /** DA/TI of an instant; default: its local time in options.timeZone. */
  stamp?: (at: Date) => LinkStamp;
}

/** The link's own view of a connection handle: has the adapter reported it open? */
export interface LinkConnection extends FiasLinkConnection {
  open: boolean;
}

export interface ConnectionInputs {
  connected(c: LinkConnection): void;
  disconnected(c: LinkConnection, reason: string): void;
  received(c: LinkConnection, record: FiasRecord): void;
}

/**
 * A new connection handle. Each call runs through `run` (the link's input loop) and reaches `inputs`
 * only while `isCurrent(handle)`; a stale one goes to `stale` instead.
 */
export function linkConnection(
  epoch: number,
  isCurrent: (c: LinkConnection) => boolean,
  run: (fn: () => void) => void,
  stale: (what: string) => void,
  inputs: ConnectionInputs,
): LinkConnection {
  const guarded = (what: string, fn: () => void): void => run(() => (isCurrent(c) ? fn() : stale(what)));
  const c: LinkConnection = {
    epoch,
    open: false,
    get current() {
      return isCurrent(c);
    },
    connected: () => guarded('connected', () => inputs.connected(c)),
    disconnected: (reason) => guarded('disconnected', () => inputs.disconnected(c, reason)),
    received: (record) => guarded(`received ${record.id}`, () => inputs.received(c, record)),
  };
  return c;
}
