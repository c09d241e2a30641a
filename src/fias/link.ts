// The FIAS link state machine (issue 13), PBX side, pure: no socket, no real timer, no codec. It
// follows seed 002's states (CLOSED → WAIT_LS → ESTABLISHED, EXPECTION, DISABLED, EXPIRED, WAIT_LE)
// and the FIAS 2.20 rules ("Usage of LS LD LA LE Records", "FIAS Implementation Notes & Exceptions",
// "Database Synchronization"). The TCP adapter feeds it FiasRecord values and carries out what it
// asks. The transition table and the decisions behind it are in src/fias/link-states.ts.
import { silentLogger, type Logger } from '../log.js';
import { backoffDelay } from '../links/backoff.js';
import { LinkContract } from './link-contract.js';
import { linkAction } from './link-dispatch.js';
import {
  FiasLinkError,
  LINK_RECORD_IDS,
  LISTEN_MS,
  resolveLinkOptions,
  type FiasLinkOptions,
  type ResolvedLinkOptions,
} from './link-options.js';
import { LinkIo } from './link-io.js';
import type { FiasLinkDeps, FiasLinkOutputs, LinkConnection } from './link-ports.js';
import { linkDescription, linkStamp, stampedRecord, type LinkStamp } from './link-records.js';
import { LinkResync } from './link-resync.js';
import type { FiasLinkChange, FiasLinkPhase, FiasLinkState } from './link-states.js';
import { LinkTimers, type LinkClock } from './link-timers.js';
import type { FiasRecord } from './record.js';

export { FiasLinkError, type FiasLinkOptions } from './link-options.js';
export type { FiasLinkConnection, FiasLinkDeps, FiasLinkOutputs, FiasResyncResult } from './link-ports.js';
export type { FiasLinkChange, FiasLinkPhase, FiasLinkState } from './link-states.js';
export { systemLinkClock, type LinkClock, type LinkTimer } from './link-timers.js';

type TimerName =
  'connect' | 'listen' | 'init' | 'keepalive' | 'ack' | 'pmsEnded' | 'le' | 'retry' | 'resync' | 'expiry';

export class FiasLink {
  readonly #o: ResolvedLinkOptions;
  readonly #out: FiasLinkOutputs;
  readonly #clock: LinkClock;
  readonly #random: () => number;
  readonly #log: Logger;
  readonly #stamp: (at: Date) => LinkStamp;
  readonly #io: LinkIo;
  readonly #timers: LinkTimers<TimerName>;
  readonly #contract: LinkContract;
  readonly #resync: LinkResync;
  #state: FiasLinkState = 'CLOSED';
  #phase: FiasLinkPhase = 'idle';
  /** Consecutive EXPECTIONs since the link was last ESTABLISHED: drives the backoff. */
  #failures = 0;
  /** enable() was called and no disconnect() since: leaving EXPIRED reconnects. */
  #wanted = false;
  /** Why canSendData() last changed, for canSendChanged. */
  #why = 'not started';
  #sendable = false;

  constructor(options: FiasLinkOptions, outputs: FiasLinkOutputs, deps: FiasLinkDeps) {
    this.#o = resolveLinkOptions(options);
    this.#out = outputs;
    this.#clock = deps.clock;
    this.#random = deps.random ?? Math.random;
    this.#log = deps.log ?? silentLogger();
    this.#stamp = deps.stamp ?? ((at) => linkStamp(at, this.#o.timeZone));
    this.#io = new LinkIo(
      outputs,
      this.#log,
      {
        connected: (c) => this.#connected(c),
        disconnected: (c, reason) => this.#disconnected(c, reason),
        received: (c, r) => this.#received(c, r),
      },
      () => {
        const can = this.canSendData();
        if (can === this.#sendable) return;
        this.#sendable = can;
        const why = this.#why;
        this.#io.emit(() => this.#out.canSendChanged?.(can, why));
      },
    );
    this.#timers = new LinkTimers(this.#clock, (fn) => this.#io.input(fn));
    this.#contract = new LinkContract(options.expiresAt, this.#o.timeZone);
    this.#resync = new LinkResync(this.#o.resyncTimeoutMs, {
      arm: (ms, fire) => this.#timers.arm('resync', ms, fire),
      disarm: () => this.#timers.disarm('resync'),
      start: () => this.#io.emit(() => this.#out.resyncStart?.()),
      end: (result) => this.#io.emit(() => this.#out.resyncEnd?.(result)),
      changed: (why) => (this.#why = why),
    });
    this.#armExpiry();
  }

  get state(): FiasLinkState {
    return this.#state;
  }
  get phase(): FiasLinkPhase {
    return this.#phase;
  }
  /** Changes with every connection attempt. */
  get epoch(): number {
    return this.#io.epoch;
  }
  /** The options in force, defaults and floors applied (keepaliveMs ≥ 300 000). */
  get options(): ResolvedLinkOptions {
    return this.#o;
  }

  /** True only while ESTABLISHED and outside DR…DE / DS…DE: the outbox may send data records. */
  canSendData(): boolean {
    return this.#state === 'ESTABLISHED' && !this.#resync.active;
  }

  /** Operator (and start-up): bring the link up. Leaves DISABLED; starts from CLOSED. */
  enable(): void {
    this.#io.input(() => {
      this.#wanted = true;
      if (this.#state === 'DISABLED') this.#to('CLOSED', 'operator enabled the link');
      if (this.#state === 'CLOSED') this.#bringUp('operator enabled the link');
      else this.#log.info({ state: this.#state }, 'FIAS link enable: nothing to do');
    });
  }

  /** Operator: stop the link and keep it down until enable(). */
  disable(): void {
    this.#io.input(
      () => this.#state !== 'DISABLED' && this.#shutDown('DISABLED', 'operator disabled the link'),
    );
  }

  /** Operator: end the link with LE (seed 002 WAIT_LE); it stays CLOSED until enable(). */
  disconnect(): void {
    this.#io.input(() => {
      this.#wanted = false;
      const why = 'operator disconnected the link';
      if (this.#state === 'ESTABLISHED') {
        this.#sendLe();
        this.#to('WAIT_LE', why);
      } else if (this.#state === 'WAIT_LS' || this.#state === 'EXPECTION') {
        this.#stopTimers();
        this.#io.drop(why);
        this.#to('CLOSED', `${why} (not established: no LE)`);
      }
    });
  }

  /** A notice that the PMS service expired (seed 002). Cleared only by setExpiresAt(). */
  expire(why = 'PMS service expired (notice)'): void {
    this.#io.input(() => {
      this.#contract.notify(why);
      if (this.#state === 'DISABLED') this.#log.info({ why }, 'FIAS link expired while disabled');
      else if (this.#state !== 'EXPIRED') this.#shutDown('EXPIRED', why);
    });
  }

  /** A new contract end date (or none). One in the future brings the link back from EXPIRED. */
  setExpiresAt(at: Date | undefined): void {
    if (at !== undefined && Number.isNaN(at.getTime()))
      throw new FiasLinkError('invalid-option', 'expiresAt is not a valid date');
    this.#io.input(() => {
      this.#contract.set(at);
      const expired = this.#contract.expiredWhy(this.#clock.now());
      if (this.#state === 'EXPIRED' && expired === undefined) {
        this.#to(
          'CLOSED',
          at ? `contract end date moved to ${this.#contract.describe()}` : 'contract end date removed',
        );
        if (this.#wanted) this.#bringUp('contract renewed');
      } else if (expired !== undefined && this.#state !== 'EXPIRED' && this.#state !== 'DISABLED') {
        this.#shutDown('EXPIRED', expired);
      }
      this.#armExpiry();
    });
  }

  /** Sends DR: after a local data loss only, never periodically ("Database Synchronization"). */
  requestResync(): void {
    if (!this.canSendData())
      throw new FiasLinkError('resync-refused', 'FIAS resync needs an established link outside a resync', {
        state: this.#state,
        resync: this.#resync.state,
      });
    this.#io.input(() => {
      this.#io.send(stampedRecord('DR', this.#stampNow()));
      this.#resync.requested();
    });
  }

  /** Sends a data record (PS, RE, WA …). Throws FiasLinkError unless canSendData(). */
  sendData(record: FiasRecord): void {
    const context = { id: record.id, state: this.#state, resync: this.#resync.state };
    if (LINK_RECORD_IDS.has(record.id))
      throw new FiasLinkError(
        'link-record',
        `${record.id} is a link record: only the link sends it`,
        context,
      );
    if (!this.canSendData())
      throw new FiasLinkError('cannot-send', `FIAS link cannot send ${record.id} now`, context);
    this.#io.input(() => this.#io.send(record));
  }

  // --- inputs from the adapter ---------------------------------------------------------------------

  #connected(c: LinkConnection): void {
    if (c.open) return;
    c.open = true;
    this.#timers.disarm('connect');
    this.#phase = 'listening';
    this.#timers.arm('listen', LISTEN_MS, () => this.#sendInit('no LS within 3 s: we start the link'));
  }

  #disconnected(c: LinkConnection, reason: string): void {
    this.#io.lost();
    this.#timers.disarm('le');
    if (this.#state === 'WAIT_LS' || this.#state === 'ESTABLISHED') {
      let why = `TCP connection lost: ${reason}`;
      if (!c.open) why = `TCP connect failed: ${reason}`;
      else if (this.#phase === 'pms-ended') why = `PMS closed the connection after its LE: ${reason}`;
      this.#fail(why);
    } else if (this.#state === 'WAIT_LE') {
      this.#to('CLOSED', `connection closed while waiting for the PMS's LE: ${reason}`);
    } else this.#phase = 'idle';
  }

  #received(c: LinkConnection, r: FiasRecord): void {
    if (!c.open) this.#connected(c); // the adapter read before it reported the open: same thing
    const at = {
      state: this.#state,
      phase: this.#phase,
      ackPending: this.#timers.has('ack'),
      resyncActive: this.#resync.active,
    };
    const { action, why } = linkAction(at, r.id);
    switch (action) {
      case 'start':
        return this.#sendInit(why);
      case 'redescribe':
        this.#resync.end(false, 'PMS restarted the link (LS) during the resync');
        return this.#sendDescription();
      case 'pms-ended':
        return this.#pmsEnded(why);
      case 'establish':
        this.#established(why);
        return this.#received(c, r);
      case 'alive':
        this.#timers.disarm('ack');
        return this.#armKeepalive();
      case 'resync-start':
        return this.#resync.started();
      case 'resync-end':
        return this.#resync.end(true, why);
      case 'data':
        this.#resync.record();
        return this.#io.emit(() => this.#out.data?.(r));
      case 'ended':
        return this.#ended(why);
      case 'skip':
        return this.#log.debug({ id: r.id, why }, 'FIAS record needs nothing');
      case 'ignore':
        return this.#log.warn(
          { id: r.id, state: this.#state, phase: this.#phase, why },
          'FIAS record ignored',
        );
    }
  }

  // --- transitions ---------------------------------------------------------------------------------

  #bringUp(why: string): void {
    const expired = this.#contract.expiredWhy(this.#clock.now());
    if (expired !== undefined) this.#shutDown('EXPIRED', expired);
    else this.#connectNow(why);
  }

  #connectNow(why: string): void {
    this.#stopTimers();
    this.#io.drop('replaced by a new connection'); // one still waiting for the PMS's LE (enable() from DISABLED)
    const c = this.#io.attach();
    this.#phase = 'connecting';
    const ms = this.#o.connectTimeoutMs;
    this.#timers.arm('connect', ms, () => this.#fail(`TCP connection not open within ${secs(ms)}`));
    this.#to('WAIT_LS', why);
    this.#io.connect(c);
  }

  #sendInit(why: string): void {
    this.#stopTimers();
    this.#log.info({ why }, 'FIAS link: sending LD/LR/LA');
    this.#sendDescription();
    this.#phase = 'init-sent';
    const ms = this.#o.initTimeoutMs;
    this.#timers.arm('init', ms, () => this.#fail(`no LA within ${secs(ms)} of our LD/LR/LA`));
  }

  #established(why: string): void {
    this.#stopTimers();
    this.#phase = 'alive';
    this.#failures = 0;
    this.#to('ESTABLISHED', why);
    this.#armKeepalive();
  }

  #armKeepalive(): void {
    this.#timers.arm('keepalive', this.#o.keepaliveMs, () => {
      // Nothing at all is sent while the PMS resyncs, not even an alive check; the resync is bounded.
      if (this.#resync.active) return this.#armKeepalive();
      this.#io.send(stampedRecord('LS', this.#stampNow()));
      const ms = this.#o.ackTimeoutMs;
      this.#timers.arm('ack', ms, () => this.#fail(`no LA within ${secs(ms)} of our LS`));
    });
  }

  #pmsEnded(why: string): void {
    this.#stopTimers();
    this.#io.send(stampedRecord('LE', this.#stampNow()));
    this.#phase = 'pms-ended';
    const ms = this.#o.keepaliveMs;
    this.#timers.arm('pmsEnded', ms, () => this.#fail(`no record within ${secs(ms)} of the PMS's LE`));
    this.#to('WAIT_LS', why);
  }

  /** → EXPECTION: drop the connection, reconnect after the backoff. */
  #fail(why: string): void {
    this.#stopTimers();
    this.#io.drop(why);
    this.#phase = 'idle';
    this.#failures += 1;
    const delay = backoffDelay(this.#failures, this.#o.reconnect, this.#random);
    this.#timers.arm('retry', delay, () => this.#bringUp(`reconnect attempt ${this.#failures}`));
    this.#to('EXPECTION', why, delay);
  }

  /** → DISABLED or EXPIRED: LE first if established, then close; nothing reconnects. */
  #shutDown(to: 'DISABLED' | 'EXPIRED', why: string): void {
    if (this.#state === 'ESTABLISHED') this.#sendLe();
    else if (this.#phase === 'ending')
      this.#stopTimers('le'); // WAIT_LE: our LE is out, its wait goes on
    else {
      this.#stopTimers();
      this.#io.drop(why);
      this.#phase = 'idle';
    }
    this.#to(to, why);
  }

  #sendLe(): void {
    this.#stopTimers();
    this.#io.send(stampedRecord('LE', this.#stampNow()));
    this.#phase = 'ending';
    const ms = this.#o.leTimeoutMs;
    this.#timers.arm('le', ms, () => this.#ended(`no LE within ${secs(ms)} of ours`));
  }

  #ended(why: string): void {
    this.#timers.disarm('le');
    this.#io.drop(why);
    this.#phase = 'idle';
    if (this.#state === 'WAIT_LE') this.#to('CLOSED', why);
  }

  #to(to: FiasLinkState, why: string, retryInMs?: number): void {
    const from = this.#state;
    if (from === to) return;
    if (from === 'ESTABLISHED') this.#resync.end(false, `link left ESTABLISHED: ${why}`);
    this.#state = to;
    this.#why = why;
    if (from === 'EXPIRED') this.#armExpiry();
    const change: FiasLinkChange = retryInMs === undefined ? { from, to, why } : { from, to, why, retryInMs };
    this.#log[to === 'EXPECTION' ? 'warn' : 'info'](change, `FIAS link ${to}`);
    this.#io.emit(() => this.#out.stateChanged?.(change));
    if (from === 'ESTABLISHED') this.#io.emit(() => this.#out.linkDown?.(why));
    if (to === 'ESTABLISHED') this.#io.emit(() => this.#out.linkUp?.());
  }

  #armExpiry(): void {
    this.#timers.disarm('expiry');
    const ms = this.#contract.nextCheckMs(this.#clock.now());
    if (ms === undefined || this.#state === 'EXPIRED') return;
    this.#timers.arm('expiry', ms, () => {
      const expired = this.#contract.expiredWhy(this.#clock.now());
      if (expired === undefined) this.#armExpiry();
      // DISABLED stays DISABLED: enable() checks the contract again.
      else if (this.#state !== 'DISABLED' && this.#state !== 'EXPIRED') this.#shutDown('EXPIRED', expired);
    });
  }

  #sendDescription(): void {
    for (const r of linkDescription(this.#stampNow(), this.#o.version, this.#o.records)) this.#io.send(r);
  }

  #stampNow(): LinkStamp {
    return this.#stamp(new Date(this.#clock.now()));
  }

  /** Stops every timer but the contract's (and `keep`). */
  #stopTimers(keep?: TimerName): void {
    this.#timers.disarmAll(keep ? ['expiry', keep] : ['expiry']);
  }
}

function secs(ms: number): string {
  return `${ms / 1000} s`;
}
