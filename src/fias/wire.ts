// The FIAS link put together from the typed config: the state machine (link.ts), its TCP adapter, the
// status the operator sees and the two pumps to the room core. The engine (src/engine.ts) builds one
// when fias.enabled; the wire tests build it the same way, against the simulator.
import type { Socket } from 'node:net';
import type { Config } from '../config/index.js';
import { parseExpiresAt } from '../config/index.js';
import type { Logger } from '../log.js';
import { FiasTcpAdapter } from './adapter.js';
import { FiasLink, systemLinkClock, type FiasLinkChange, type LinkClock } from './link.js';
import type { FiasLinkState } from './link-states.js';
import type { FiasInbound, FiasOutbox } from './ports.js';
import { InboundPump, OutboxPump } from './pump.js';
import { FiasStatus, type FiasStatusView } from './status.js';

/**
 * The records our LR announce, with every field we read or write in either direction (one LR per
 * record type, "Appendix A - FAQ"), as the validators and builders of src/fias/records/ use them.
 * DR, DS and DE are not listed: their format is fixed and they need no LR ("DS - Database Resync
 * start, DE - Database Resync end"); the link refuses an LR for them.
 */
export const OUR_RECORDS: Readonly<Record<string, string>> = {
  GI: 'RNG#GSGNGFGTGLCSGAGDDATISF',
  GO: 'RNG#GSDATISF',
  GC: 'RNG#GSGNGFGTGLCSGAGDDATISFRO',
  RE: 'RNCSDNMLRSIDVMG#SF',
  WR: 'RNDATI',
  WC: 'RNDATI',
  WA: 'RNDATIAS',
  PS: 'RNDATIP#PTDDDUMPTAPCCTSO',
  PA: 'ASP#CTRNDATI',
};

/** What the operator commands (FiasStatus, FiasLink) and the CLI reach of the link. */
export interface FiasControl {
  status(): FiasStatusView;
  enable(): void;
  disable(): void;
  disconnect(): void;
}

export interface FiasWireOptions {
  fias: Config['fias'];
  /** The hotel's zone (hotel.timeZone): DA/TI of the link records. */
  timeZone: string;
  log: Logger;
  /** Applies the records from the PMS (the room core's, src/fias/core.ts). */
  inbound: FiasInbound;
  /** The records for the PMS, durable (the room core's). */
  outbox: FiasOutbox;
  clock?: LinkClock;
  random?: () => number;
  /** Tests: a smaller write buffer before a PMS that does not read is dropped. */
  maxBufferedBytes?: number;
  inboundDeadlineMs?: number;
  /** Tests: how the adapter opens its socket (one that never connects). */
  connectSocket?: (host: string, port: number) => Socket;
}

/** States in which the link holds no connection and does nothing until told. */
const AT_REST: ReadonlySet<FiasLinkState> = new Set(['CLOSED', 'DISABLED', 'EXPIRED']);

export class FiasWire implements FiasControl {
  readonly link: FiasLink;
  readonly adapter: FiasTcpAdapter;
  readonly inbound: InboundPump;
  readonly outbox: OutboxPump;
  readonly #status: FiasStatus;
  readonly #listeners = new Set<(c: FiasLinkChange) => void>();
  readonly #canSendListeners = new Set<(can: boolean) => void>();
  readonly #log: Logger;

  constructor(o: FiasWireOptions) {
    const clock = o.clock ?? systemLinkClock;
    const log = o.log.child({ link: 'fias' });
    this.#log = log;
    this.#status = new FiasStatus(() => clock.now());
    const status = this.#status;
    this.adapter = new FiasTcpAdapter({
      host: o.fias.host,
      port: o.fias.port,
      encoding: o.fias.encoding,
      connectTimeoutMs: o.fias.connectTimeoutSec * 1000,
      maxBufferedBytes: o.maxBufferedBytes,
      connectSocket: o.connectSocket,
      log,
      count: (direction) => status.counted(direction),
      frameError: () => status.frameError(),
    });
    this.inbound = new InboundPump({
      inbound: o.inbound,
      log,
      deadlineMs: o.inboundDeadlineMs,
      invalid: () => status.invalid(),
      outcome: (ok) => status.outcome(ok),
    });
    const adapter = this.adapter;
    this.link = new FiasLink(
      {
        version: o.fias.version,
        records: OUR_RECORDS,
        timeZone: o.timeZone,
        keepaliveSec: o.fias.keepaliveSec,
        ackTimeoutSec: o.fias.ackTimeoutSec,
        initTimeoutSec: o.fias.initTimeoutSec,
        connectTimeoutSec: o.fias.connectTimeoutSec,
        leTimeoutSec: o.fias.leTimeoutSec,
        resyncTimeoutSec: o.fias.resyncTimeoutSec,
        reconnect: o.fias.reconnect,
        expiresAt: parseExpiresAt(o.fias.expiresAt),
      },
      {
        connect: (conn) => adapter.connect(conn),
        send: (record) => adapter.send(record),
        close: (why) => adapter.close(why),
        stateChanged: (change) => {
          status.changed(change);
          for (const l of this.#listeners) l(change);
        },
        canSendChanged: (can) => {
          if (can) this.outbox.wake();
          for (const l of this.#canSendListeners) l(can);
        },
        data: (record) => this.inbound.push(record),
        // The room core hears of a resync's window in order with its records: DS before the first,
        // DE after the last, and only for a window the PMS closed itself (a timeout is no DE).
        resyncStart: () => this.inbound.enqueue({ id: 'DS', extra: new Map() }),
        resyncEnd: (r) => {
          if (r.complete) this.inbound.enqueue({ id: 'DE', extra: new Map() });
          else log.warn({ why: r.why }, 'FIAS resync incomplete: the room core is not told it ended');
        },
      },
      { clock, random: o.random, log },
    );
    status.attach(this.link);
    this.outbox = new OutboxPump({ link: this.link, outbox: o.outbox, log });
  }

  /** Brings the link up (engine start). */
  start(): void {
    this.outbox.start();
    this.link.enable();
  }

  status(): FiasStatusView {
    return this.#status.snapshot();
  }
  enable(): void {
    this.link.enable();
  }
  disable(): void {
    this.link.disable();
  }
  disconnect(): void {
    this.link.disconnect();
  }

  /** Calls `listener` on every state change; returns the function that stops it. */
  onStateChange(listener: (c: FiasLinkChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls `listener` whenever data records may (true) or must not (false) go to the PMS. */
  onCanSend(listener: (can: boolean) => void): () => void {
    this.#canSendListeners.add(listener);
    return () => this.#canSendListeners.delete(listener);
  }

  /** Resolves once the link is in `state` (at once if it is), or rejects after `ms`. */
  waitForState(state: FiasLinkState | ((s: FiasLinkState) => boolean), ms: number): Promise<void> {
    const ok = typeof state === 'function' ? state : (s: FiasLinkState) => s === state;
    if (ok(this.link.state)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`FIAS link not ${String(state)} within ${ms} ms (it is ${this.link.state})`));
      }, ms);
      const off = this.onStateChange((c) => {
        if (!ok(c.to)) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  /**
   * Engine stop: ends the link with LE when it is up (seed 002 WAIT_LE), waits at most `ms` for it to
   * come to rest, then closes whatever is still open. Records still queued inbound are left to finish.
   */
  async stop(ms = 3_000): Promise<void> {
    this.link.disconnect();
    try {
      await this.waitForState((s) => AT_REST.has(s), ms);
    } catch {
      this.#log.warn({ state: this.link.state, ms }, 'FIAS link did not end in time: closing its connection');
    }
    await this.outbox.stop();
    this.adapter.destroy();
  }
}
