// Fakes for the FIAS link state machine: a clock the test moves by hand (a monotonic timer schedule
// and a wall clock that can jump, as NTP makes it), and an adapter that records every output and plays
// the PMS through the connection handle the link gave it.
import {
  FiasLink,
  type FiasLinkChange,
  type FiasLinkConnection,
  type LinkClock,
} from '../../../src/fias/link.js';
import type { FiasLinkOptions } from '../../../src/fias/link-options.js';
import type { FiasLinkOutputs, FiasResyncResult } from '../../../src/fias/link-ports.js';
import { fiasRecord, type FiasRecord } from '../../../src/fias/record.js';

/** 2026-01-15 10:00:00 UTC: 11:00:00 in Europe/Rome. */
export const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);

interface FakeTimer {
  at: number;
  seq: number;
  fire: () => void;
  cancelled: boolean;
}

export class FakeClock implements LinkClock {
  /** Monotonic time since the start, in ms: what timers run on. */
  elapsed = 0;
  /** Wall-clock offset: jump() moves now() without moving the timers. */
  #wallOffset = 0;
  #seq = 0;
  readonly #timers: FakeTimer[] = [];

  now(): number {
    return T0 + this.elapsed + this.#wallOffset;
  }

  setTimer(delayMs: number, fire: () => void) {
    const t: FakeTimer = {
      at: this.elapsed + Math.max(0, delayMs),
      seq: this.#seq++,
      fire,
      cancelled: false,
    };
    this.#timers.push(t);
    return { cancel: () => void (t.cancelled = true) };
  }

  /** Runs every timer due within `ms`, in order, moving time to each one's deadline. */
  advance(ms: number): void {
    const end = this.elapsed + ms;
    for (;;) {
      const due = this.#timers
        .filter((t) => !t.cancelled && t.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      due.cancelled = true;
      this.elapsed = due.at;
      due.fire();
    }
    this.elapsed = end;
  }

  /** The wall clock jumps by `ms`; no timer fires. */
  jump(ms: number): void {
    this.#wallOffset += ms;
  }

  /** Timers still to fire (a wait with no deadline would show as none left while waiting). */
  pending(): number[] {
    return this.#timers.filter((t) => !t.cancelled).map((t) => t.at - this.elapsed);
  }
}

export interface Sent {
  at: number;
  record: FiasRecord;
}

/** Records every output of the link, each with the monotonic time it was made at. */
export class FakeAdapter {
  readonly conns: { conn: FiasLinkConnection; at: number }[] = [];
  readonly sent: Sent[] = [];
  readonly closes: { at: number; why: string }[] = [];
  readonly changes: (FiasLinkChange & { at: number })[] = [];
  readonly data: FiasRecord[] = [];
  readonly ups: number[] = [];
  readonly downs: string[] = [];
  readonly canSend: boolean[] = [];
  readonly resyncs: (string | FiasResyncResult)[] = [];
  /** Every output in order, by name: for ordering assertions. */
  readonly log: string[] = [];
  onState: ((c: FiasLinkChange) => void) | undefined;
  sendThrows = false;
  /** The fake PMS answers each alive-check LS of ours with LA, at once (an IFC that is Alive). */
  answersAliveChecks = false;

  constructor(private readonly clock: FakeClock) {}

  connect(conn: FiasLinkConnection): void {
    this.conns.push({ conn, at: this.clock.elapsed });
    this.log.push('connect');
  }
  send(record: FiasRecord): void {
    if (this.sendThrows) throw new Error('EPIPE');
    this.sent.push({ at: this.clock.elapsed, record });
    this.log.push(`send ${record.id}`);
    if (record.id === 'LS' && this.answersAliveChecks) this.pms('LA');
  }
  close(why: string): void {
    this.closes.push({ at: this.clock.elapsed, why });
    this.log.push('close');
  }
  stateChanged(c: FiasLinkChange): void {
    this.changes.push({ ...c, at: this.clock.elapsed });
    this.log.push(`${c.from}->${c.to}`);
    this.onState?.(c);
  }
  linkUp(): void {
    this.ups.push(this.clock.elapsed);
    this.log.push('linkUp');
  }
  linkDown(why: string): void {
    this.downs.push(why);
    this.log.push('linkDown');
  }
  canSendChanged(canSend: boolean): void {
    this.canSend.push(canSend);
    this.log.push(`canSend ${canSend}`);
  }
  dataReceived(r: FiasRecord): void {
    this.data.push(r);
  }
  resyncStart(): void {
    this.resyncs.push('start');
  }
  resyncEnd(result: FiasResyncResult): void {
    this.resyncs.push(result);
  }

  /** The link's current connection (the last one asked for). */
  get conn(): FiasLinkConnection {
    const last = this.conns.at(-1);
    if (!last) throw new Error('the link never asked to connect');
    return last.conn;
  }
  /** The PMS sends a record on the current connection. */
  pms(id: string, fields: Record<string, string> = {}): void {
    this.conn.received(fiasRecord(id, Object.entries(fields)));
  }
  sentIds(from = 0): string[] {
    return this.sent.slice(from).map((s) => s.record.id);
  }
  lastChange(): FiasLinkChange & { at: number } {
    const c = this.changes.at(-1);
    if (!c) throw new Error('no state change yet');
    return c;
  }
}

export const RECORDS = { GI: 'RNG#GNGLGSSF', GO: 'RNG#GSSF', RE: 'RNCSDNMLRSIDVM', PS: 'RNDATIP#PTTADDDU' };

export function makeLink(overrides: Partial<FiasLinkOptions> = {}, random = () => 0.999_999) {
  const clock = new FakeClock();
  const adapter = new FakeAdapter(clock);
  const outputs: FiasLinkOutputs = {
    connect: (c) => adapter.connect(c),
    send: (r) => adapter.send(r),
    close: (w) => adapter.close(w),
    stateChanged: (c) => adapter.stateChanged(c),
    linkUp: () => adapter.linkUp(),
    linkDown: (w) => adapter.linkDown(w),
    canSendChanged: (c) => adapter.canSendChanged(c),
    data: (r) => adapter.dataReceived(r),
    resyncStart: () => adapter.resyncStart(),
    resyncEnd: (r) => adapter.resyncEnd(r),
  };
  const link = new FiasLink(
    {
      version: '1.0',
      records: RECORDS,
      timeZone: 'Europe/Rome',
      reconnect: { initialDelayMs: 1_000, maxDelayMs: 8_000 },
      ...overrides,
    },
    outputs,
    { clock, random },
  );
  return { link, clock, adapter };
}

/** enable → connected → the PMS's LS → our LD/LR/LA → the PMS's LA: ESTABLISHED. */
export function establish(h: ReturnType<typeof makeLink>): void {
  if (h.link.state === 'CLOSED') h.link.enable();
  h.adapter.conn.connected();
  h.adapter.pms('LS', { DA: '260115', TI: '110000' });
  h.adapter.pms('LA', { DA: '260115', TI: '110000' });
  if (h.link.state !== 'ESTABLISHED') throw new Error(`not established: ${h.link.state}/${h.link.phase}`);
}
