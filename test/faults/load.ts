// The fault suite's continuous load: one PMS session sending room commands in a loop over the lab's
// rooms (ExtenName with a name never sent before, ExtenLimit, ExtenDND), one after the other, plus a
// heartbeat every second on the same session. Every command and every heartbeat is recorded with
// what came back, so that the checks can tell answered from hung and applied from not.
import { PmsClient } from '../../src/client/pms-client.js';
import type { Frame } from '../../src/protocol/index.js';
import { FAULT_ACCOUNT } from './engine-child.js';

export type Field = 'name' | 'limit' | 'dnd';
/**
 * success / error: the engine's answer (an error that is clear: nothing applied);
 * ambiguous: an error that says it may have been applied (the store decides);
 * lost: the connection closed before the answer (the engine was killed): also ambiguous;
 * hung: no answer within the client's deadline, the defect the suite exists to find.
 */
export type Outcome = 'success' | 'error' | 'ambiguous' | 'lost' | 'hung';

export interface Sent {
  room: string;
  field: Field;
  value: string;
  sentAt: number;
  ms: number;
  outcome: Outcome;
  message?: string;
}

export interface Beat {
  sentAt: number;
  /** Undefined when no answer came (connection lost or no reply within the deadline). */
  ms: number | undefined;
}

/** The ending of every engine message that may have been applied (src/server/dispatcher.ts). */
export const AMBIGUOUS_SUFFIX = 'it may not have been applied';
/** Longer than the engine's own 30 s deadline: a command unanswered by then is hung. */
const COMMAND_DEADLINE_MS = 35_000;
const BEAT_EVERY_MS = 1_000;
const BEAT_DEADLINE_MS = 10_000;

export class Load {
  readonly sent: Sent[] = [];
  readonly beats: Beat[] = [];
  private client: PmsClient | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private beatTimer: NodeJS.Timeout | undefined;
  private readonly beatsInFlight = new Set<Promise<void>>();
  private seq = 0;

  /** `port()` is read at every reconnect: a restarted engine listens on a new port. */
  constructor(
    private readonly port: () => number,
    private readonly rooms: readonly string[],
  ) {}

  /** Logs in (waiting for the engine up to `timeoutMs`) and starts the loop and the heartbeats. */
  async start(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.session())) {
      if (Date.now() > deadline) throw new Error('the load could not log in');
      await pause(200);
    }
    this.loop = this.run();
    this.beatTimer = setInterval(() => this.beat(), BEAT_EVERY_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.beatTimer);
    await this.loop;
    await Promise.all(this.beatsInFlight);
    await this.client?.close();
  }

  /** A logged-in session, reconnecting if needed; undefined when the engine cannot be reached now. */
  async session(): Promise<PmsClient | undefined> {
    if (this.client && !this.client.socket.destroyed) return this.client;
    this.client = undefined;
    try {
      const c = await PmsClient.connect(this.port(), '127.0.0.1', 2_000);
      const r = await c.call(
        [
          ['Action', 'UserLogin'],
          ['CallMethod', 'Account'],
          ['User', FAULT_ACCOUNT.user],
          ['Password', FAULT_ACCOUNT.password],
        ],
        5_000,
      );
      if (r.get('Response') !== 'Success') {
        c.socket.destroy();
        return undefined;
      }
      this.client = c;
      return c;
    } catch {
      return undefined;
    }
  }

  /** Resolves with the instant of the `n`th success sent after `since`, or rejects after `timeoutMs`. */
  async successesAfter(since: number, n: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ok = this.sent.filter((s) => s.sentAt >= since && s.outcome === 'success');
      if (ok.length >= n) return ok[n - 1]!.sentAt + ok[n - 1]!.ms;
      if (Date.now() > deadline)
        throw new Error(`${ok.length} of ${n} successful commands within ${timeoutMs} ms`);
      await pause(100);
    }
  }

  private async run(): Promise<void> {
    let i = 0;
    while (!this.stopped) {
      const c = await this.session();
      if (!c) {
        await pause(200);
        continue;
      }
      const room = this.rooms[i % this.rooms.length]!;
      const field = (['name', 'limit', 'dnd'] as const)[Math.floor(i / this.rooms.length) % 3]!;
      i++;
      await this.command(c, room, field);
      // A failing link answers within a millisecond; this keeps the loop from only spinning.
      await pause(2);
    }
  }

  private async command(c: PmsClient, room: string, field: Field): Promise<void> {
    const n = ++this.seq;
    const value = field === 'name' ? `F${n}` : field === 'limit' ? String((n % 5) + 1) : String(n % 2);
    const fields: Array<[string, string]> =
      field === 'name'
        ? [
            ['Action', 'Set'],
            ['CallMethod', 'ExtenName'],
            ['Phone', room],
            ['Name', value],
          ]
        : field === 'limit'
          ? [
              ['Action', 'Set'],
              ['CallMethod', 'ExtenLimit'],
              ['Phone', room],
              ['Limit', value],
            ]
          : [
              ['Action', 'Set'],
              ['CallMethod', 'ExtenDND'],
              ['Phone', room],
              ['Use', value],
            ];
    const sentAt = Date.now();
    const t0 = performance.now();
    const record = (outcome: Outcome, message?: string): void => {
      this.sent.push({ room, field, value, sentAt, ms: performance.now() - t0, outcome, message });
    };
    let reply: Frame;
    try {
      reply = await c.call(fields, COMMAND_DEADLINE_MS);
    } catch (err) {
      const message = (err as Error).message;
      record(/^no reply/.test(message) ? 'hung' : 'lost', message);
      c.socket.destroy();
      return;
    }
    const message = reply.get('Message');
    if (reply.get('Response') === 'Success') record('success');
    else record(message?.endsWith(AMBIGUOUS_SUFFIX) ? 'ambiguous' : 'error', message);
  }

  private beat(): void {
    const c = this.client;
    if (!c || c.socket.destroyed) return;
    const sentAt = Date.now();
    const t0 = performance.now();
    const p = c
      .call(
        [
          ['Action', 'UserLogin'],
          ['CallMethod', 'HeartBeat'],
        ],
        BEAT_DEADLINE_MS,
      )
      .then(
        (r) => void this.beats.push({ sentAt, ms: r.get('Response') ? performance.now() - t0 : undefined }),
        () => void this.beats.push({ sentAt, ms: undefined }),
      )
      .finally(() => this.beatsInFlight.delete(p));
    this.beatsInFlight.add(p);
  }
}

export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
