// In-memory stand-ins for the FIAS tables and the wake-up service, for unit tests of the FIAS records
// on the room core (the real SQL is tested against MariaDB in test/integration/fias-store.test.ts).
// The fake wake-ups keep occurrences as the scheduler would, and follow check-out and room change as
// room hooks, like WakeupService; `attempt` plays one call of the scheduler and reports the final
// result only after the last attempt (or an answer), as the scheduler's onFinal does.
import type { FiasRecord } from '../../../src/fias/record.js';
import type { RoomHooks } from '../../../src/rooms/service.js';
import type { FiasGuest, FiasGuestRepo } from '../../../src/store/fias-guests.js';
import type { FiasLampRepo } from '../../../src/store/fias-lamps.js';
import type { AddOptions, FiasOutboxQueue } from '../../../src/store/fias-outbox.js';
import type {
  FiasWakeup,
  FiasWakeupRepo,
  FiasWakeupState,
  UnansweredWakeup,
} from '../../../src/store/fias-wakeups.js';
import type { Occurrence, OccurrenceState } from '../../../src/store/wakeup-records.js';
import type { FinalResult } from '../../../src/wakeup/scheduler.js';

export class MemoryFiasGuests implements FiasGuestRepo {
  rows: FiasGuest[] = [];
  list(room: string): Promise<FiasGuest[]> {
    return Promise.resolve(this.rows.filter((g) => g.room === room).map((g) => ({ ...g })));
  }
  upsert(g: FiasGuest): Promise<void> {
    const i = this.rows.findIndex((r) => r.room === g.room && r.reservation === g.reservation);
    if (i < 0) this.rows.push({ ...g });
    else this.rows[i] = { ...g, sharer: this.rows[i]!.sharer, createdAt: this.rows[i]!.createdAt };
    return Promise.resolve();
  }
  remove(room: string, reservation: string): Promise<boolean> {
    const n = this.rows.length;
    this.rows = this.rows.filter((g) => !(g.room === room && g.reservation === reservation));
    return Promise.resolve(this.rows.length < n);
  }
  removeRoom(room: string): Promise<number> {
    const n = this.rows.length;
    this.rows = this.rows.filter((g) => g.room !== room);
    return Promise.resolve(n - this.rows.length);
  }
  all(): Promise<FiasGuest[]> {
    const byRoom = [...this.rows].sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0));
    return Promise.resolve(byRoom.map((g) => ({ ...g })));
  }
  moveRoom(from: string, to: string): Promise<number> {
    this.rows = this.rows.filter((g) => g.room !== to);
    let n = 0;
    for (const g of this.rows)
      if (g.room === from) {
        g.room = to;
        n++;
      }
    return Promise.resolve(n);
  }
}

export class MemoryFiasLamps implements FiasLampRepo {
  readonly on = new Map<string, string | undefined>();
  set(room: string, on: boolean, reservation: string | undefined): Promise<void> {
    if (on) this.on.set(room, reservation);
    else this.on.delete(room);
    return Promise.resolve();
  }
  isOn(room: string): Promise<boolean> {
    return Promise.resolve(this.on.has(room));
  }
  lit(): Promise<string[]> {
    return Promise.resolve([...this.on.keys()].sort());
  }
  moveRoom(from: string, to: string): Promise<void> {
    this.on.delete(to);
    if (this.on.has(from)) {
      this.on.set(to, this.on.get(from));
      this.on.delete(from);
    }
    return Promise.resolve();
  }
}

const OPEN: OccurrenceState[] = ['pending', 'calling'];
const FINAL: OccurrenceState[] = ['answered', 'busy', 'noanswer', 'failed', 'missed'];

/** The wake-up service and its FIAS table, in memory. */
export class FakeFiasWakeups implements FiasWakeupRepo, RoomHooks {
  readonly occurrences = new Map<number, Occurrence>();
  readonly fias = new Map<number, FiasWakeup>();
  private nextId = 1;

  // --- Pick<WakeupService, 'addOnce' | 'cancelSome'>
  async addOnce(
    extension: string,
    dueAt: number,
    attempts: number,
    link: (id: number, tx: unknown) => Promise<void>,
  ): Promise<number> {
    const id = this.nextId++;
    this.occurrences.set(id, {
      id,
      extension,
      strategy: 1,
      localDate: '',
      localStart: '',
      dueAt,
      frequencyMin: 5,
      maxAttempts: attempts,
      file: 'fpm-world-mix.gsm',
      attempts: 0,
      nextAttemptAt: dueAt,
      state: 'pending',
      createdAt: 0,
      finishedAt: null,
    });
    await link(id, {});
    return id;
  }
  async cancelSome(_extension: string, pick: (tx: unknown) => Promise<number[]>): Promise<number> {
    let n = 0;
    for (const id of await pick({})) {
      const o = this.occurrences.get(id);
      if (o && OPEN.includes(o.state)) {
        o.state = 'cancelled';
        n++;
      }
    }
    return n;
  }

  /** One call of the scheduler: the final result after an answer or the last attempt, else undefined. */
  attempt(id: number, result: 'answered' | 'busy' | 'noanswer' | 'failed'): FinalResult | undefined {
    const o = this.occurrences.get(id)!;
    if (o.state !== 'pending') return undefined;
    o.attempts++;
    if (result !== 'answered' && o.attempts < o.maxAttempts) return undefined;
    o.state = result;
    return { occurrence: { ...o }, state: result, attempts: o.attempts };
  }

  // --- RoomHooks, as WakeupService's
  clean(extension: string): Promise<void> {
    for (const o of this.occurrences.values())
      if (o.extension === extension && OPEN.includes(o.state)) o.state = 'cancelled';
    return Promise.resolve();
  }
  move(from: string, to: string): Promise<void> {
    for (const o of this.occurrences.values()) {
      if (!OPEN.includes(o.state)) continue;
      if (o.extension === to) o.state = 'cancelled';
      else if (o.extension === from) o.extension = to;
    }
    return Promise.resolve();
  }

  // --- FiasWakeupRepo
  add(w: Omit<FiasWakeup, 'state'>): Promise<void> {
    this.fias.set(w.occurrenceId, { ...w, state: 'set' });
    return Promise.resolve();
  }
  get(id: number): Promise<FiasWakeup | undefined> {
    const w = this.fias.get(id);
    return Promise.resolve(w && { ...w });
  }
  open(room: string, at: { date: string; time: string } | undefined): Promise<number[]> {
    const ids = [...this.fias.values()]
      .filter((w) => {
        const o = this.occurrences.get(w.occurrenceId);
        return (
          o?.extension === room &&
          OPEN.includes(o.state) &&
          w.state === 'set' &&
          (!at || (w.date === at.date && w.time === at.time))
        );
      })
      .map((w) => w.occurrenceId);
    return Promise.resolve(ids);
  }
  mark(ids: readonly number[], state: FiasWakeupState): Promise<void> {
    for (const id of ids) {
      const w = this.fias.get(id);
      if (w) w.state = state;
    }
    return Promise.resolve();
  }
  unanswered(): Promise<UnansweredWakeup[]> {
    const out: UnansweredWakeup[] = [];
    for (const w of this.fias.values()) {
      const o = this.occurrences.get(w.occurrenceId);
      if (o && w.state === 'set' && FINAL.includes(o.state))
        out.push({ ...w, extension: o.extension, final: o.state });
    }
    return Promise.resolve(out);
  }
  transaction<T>(fn: (tx: unknown) => Promise<T>): Promise<T> {
    return fn({});
  }
}

export class MemoryOutbox implements FiasOutboxQueue {
  rows: Array<{ id: number; record: FiasRecord; key?: string; sent: boolean }> = [];
  notified = 0;
  private readonly listeners = new Set<() => void>();
  constructor(private readonly cap = 10_000) {}

  add(record: FiasRecord, options: AddOptions = {}, tx?: unknown): Promise<boolean> {
    if (options.key !== undefined && this.rows.some((r) => r.key === options.key))
      return Promise.resolve(false);
    if (this.rows.filter((r) => !r.sent).length >= this.cap) return Promise.resolve(false);
    this.rows.push({ id: this.rows.length + 1, record, key: options.key, sent: false });
    if (!tx) this.notify();
    return Promise.resolve(true);
  }
  peek(): Promise<{ id: number; record: FiasRecord } | undefined> {
    const r = this.rows.find((x) => !x.sent);
    return Promise.resolve(r && { id: r.id, record: r.record });
  }
  sent(id: number): Promise<void> {
    const r = this.rows.find((x) => x.id === id);
    if (r) r.sent = true;
    return Promise.resolve();
  }
  onAdded(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  notify(): void {
    this.notified++;
    for (const l of this.listeners) l();
  }
  /** The records queued, as wire-like text `ID|FFdata|…|`. */
  texts(): string[] {
    return this.rows.map(
      (r) => `${r.record.id}|${[...r.record.fields].map(([k, v]) => `${k}${v}|`).join('')}`,
    );
  }
}
