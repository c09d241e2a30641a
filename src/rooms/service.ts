// Room state changes, in one place: the store is the source of truth and AstDB mirrors it.
// Every change runs under the room's lock. AstDB is written first, only the keys whose values
// change; then the store takes the change, and its commit is the point of no return: if Asterisk
// does not take the write, nothing reaches the store and the PMS gets an error, so a command is
// applied whole or not at all. (AstDB may then hold part of the write; the previous values are
// written back at once when possible, and every re-sync rewrites AstDB from the store anyway.)
// A change of one room's own columns is one autocommit upsert; a change that also writes other rows
// (a feature's effect, a check-out's hooks, a room change's two rooms) is one transaction.
//
// The service keeps the rooms' state as the store last told it or took it (`known`), so a change
// does not read its room first: it is the store's only writer of rooms. It also knows which rooms'
// AstDB keys it wrote whole since the links last changed (`mirrored`): only those get just their
// changed keys; any other room is written whole. Both are emptied whenever the store's or AMI's link
// changes state (a reconnect may find another database, or an Asterisk that lost its AstDB), and a
// room whose change failed is read again and written whole.
//
// The room lock is the only per-room lock of the engine. Features that follow a room (voicemail,
// wake-ups) run inside it, as hooks of a check-out / room change or as the effect of an update; they
// never take a lock of their own around a room and never call back into this service, so no two
// locks can wait on each other.
import type { Logger } from 'pino';
import { CancelledError, PbxUnavailableError } from '../errors.js';
import type { LinkState } from '../pbx/types.js';
import { cleanRoom, type Room, type RoomRepo } from '../store/rooms.js';
import { KeyedLock } from './lock.js';
import { changedKeys, roomKeys, type RoomMirror } from './mirror.js';
import type { RoomSet } from './room-set.js';

/**
 * What other features keep per room (wake-ups, voicemail) follows the room through these hooks:
 * `clean`/`move` run inside the store transaction of a check-out / room change; `afterClean` /
 * `afterMove` run once it is committed, still under the rooms' lock, for effects outside the store.
 */
export interface RoomHooks {
  clean?(extension: string, tx: unknown): Promise<void>;
  move?(from: string, to: string, tx: unknown): Promise<void>;
  afterClean?(extension: string): Promise<void>;
  afterMove?(from: string, to: string): Promise<void>;
}

/**
 * A feature's part in one update, all of it under the room's lock: `inTx` runs in the store
 * transaction (a throw rolls the whole change back); then either `committed` or `rolledBack`.
 * Failures of those two are logged; the outcome stands.
 */
export interface ChangeEffect {
  inTx?(tx: unknown): Promise<void>;
  committed?(): Promise<void>;
  rolledBack?(): Promise<void>;
}

export interface ChangeOptions {
  /** The request's deadline (the dispatcher aborts it): once aborted, nothing more is applied. */
  signal?: AbortSignal | undefined;
  /** Built from the room before and after the change, once the lock is held. */
  effect?: (before: Room, after: Room) => ChangeEffect;
}

export class RoomService {
  private readonly lock = new KeyedLock();
  private readonly hooks: RoomHooks[] = [];
  /** Each room's state as the store holds it (read, or committed by us); see the header. */
  private readonly known = new Map<string, Room>();
  /** Rooms whose AstDB keys are known to equal `known` (written whole since the links changed). */
  private readonly mirrored = new Set<string>();
  /** Told the rooms of every committed change (the operator console); must not throw. */
  onChanged: ((extensions: readonly string[]) => void) | undefined;

  constructor(
    private readonly repo: RoomRepo,
    private readonly mirror: RoomMirror,
    private readonly pbx: { readonly state: LinkState },
    readonly rooms: RoomSet,
    private readonly log: Logger,
  ) {}

  addHooks(hooks: RoomHooks): void {
    this.hooks.push(hooks);
  }

  /** Runs `fn` holding the rooms' lock: other features' per-room changes never interleave with ours. */
  exclusive<T>(extensions: string | string[], fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.lock.run(extensions, () => {
      throwIfAborted(signal);
      return fn();
    });
  }

  get(extension: string): Promise<Room> {
    return this.repo.get(extension);
  }

  /** Forgets what the store and AstDB held: call whenever the store's or AMI's link changes state. */
  forget(): void {
    this.known.clear();
    this.mirrored.clear();
  }

  /** Applies `change` to the room's current state; resolves with the new state. */
  update(extension: string, change: (room: Room) => Room, opts: ChangeOptions = {}): Promise<Room> {
    return this.locked(extension, opts.signal, async () => {
      const before = await this.current(extension);
      const after = change(before);
      const effect = opts.effect?.(before, after) ?? {};
      if (effect.inTx)
        await this.commit([before], () => Promise.resolve([after]), effect.inTx, opts.signal, effect);
      else await this.commitOne(before, after, opts.signal, effect);
      return after;
    });
  }

  /** Check-out (seed 000 §5.4.8): the room back to clean, and every feature's hooks. */
  clean(extension: string, signal?: AbortSignal): Promise<void> {
    return this.decide(extension, () => Promise.resolve('clean'), signal).then(() => undefined);
  }

  /**
   * A change decided inside the room's store transaction, under its lock: `decide` reads and writes
   * its own rows in `tx` (a FIAS guest list) and returns the room's new state, `'clean'` for a
   * check-out (exactly as clean(): every feature's clean hooks, then afterClean), or `'keep'` to leave
   * the room as it is (its own writes in `tx` still commit). A throw rolls everything back.
   */
  decide(
    extension: string,
    decide: (before: Room, tx: unknown) => Promise<Room | 'clean' | 'keep'>,
    signal?: AbortSignal,
  ): Promise<Room | 'clean' | 'keep'> {
    return this.locked(extension, signal, async () => {
      const before = await this.current(extension);
      let outcome = 'keep' as Room | 'clean' | 'keep';
      await this.commit(
        [before],
        async (tx) => {
          outcome = await decide(before, tx);
          if (outcome === 'keep') return [];
          return [outcome === 'clean' ? cleanRoom(extension) : { ...outcome, extension }];
        },
        async (tx) => {
          if (outcome === 'clean') for (const h of this.hooks) await h.clean?.(extension, tx);
        },
        signal,
      );
      if (outcome === 'clean') await this.after((h) => h.afterClean?.(extension));
      return outcome;
    });
  }

  /** Room change (seed 000 §5.4.6): the guest's state moves to `to`; `from` is left clean. */
  move(from: string, to: string, signal?: AbortSignal): Promise<Room> {
    return this.locked([from, to], signal, async () => {
      const [source, target] = [await this.current(from), await this.current(to)];
      if (target.guestName !== null || target.checkedInAt !== null)
        this.log.warn({ from, to, previousGuest: target.guestName }, 'room change onto an occupied room');
      const moved: Room = { ...source, extension: to };
      await this.commit(
        [source, target],
        () => Promise.resolve([cleanRoom(from), moved]),
        async (tx) => {
          for (const h of this.hooks) await h.move?.(from, to, tx);
        },
        signal,
      );
      await this.after((h) => h.afterMove?.(from, to));
      return moved;
    });
  }

  /**
   * Rewrites AstDB from the store: the numbering, then every configured room (clean ones too, so a
   * PBX that lost or kept stale keys comes back right). Run whenever AMI becomes ready.
   */
  async resync(): Promise<{ rooms: number; ms: number }> {
    const t0 = Date.now();
    await this.mirror.writeNumbering();
    let count = 0;
    const batch: Array<Promise<void>> = [];
    for (const ext of this.rooms) {
      // Read under the room's lock: a command that ran meanwhile is written, never undone.
      batch.push(this.lock.run(ext, () => this.rewrite(ext)));
      count++;
      if (batch.length >= 50) await Promise.all(batch.splice(0));
    }
    await Promise.all(batch);
    return { rooms: count, ms: Date.now() - t0 };
  }

  /**
   * Runs a change under the rooms' lock. The PBX is checked before queueing (refused at once, not
   * after the commands ahead) and again once the lock is held; an aborted request applies nothing.
   * Every failure is a rejection, never a synchronous throw, so callers' cleanup always runs.
   */
  private async locked<T>(
    keys: string | string[],
    signal: AbortSignal | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    this.requirePbx();
    return this.lock.run(keys, () => {
      throwIfAborted(signal);
      this.requirePbx();
      return fn();
    });
  }

  private requirePbx(): void {
    if (this.pbx.state !== 'ready')
      throw new PbxUnavailableError('ami', 'down', `AMI link is ${this.pbx.state}`);
  }

  /** The room's state as the store holds it: known, or read (under the room's lock). */
  private async current(extension: string): Promise<Room> {
    const known = this.known.get(extension);
    if (known) return known;
    const room = await this.repo.get(extension);
    this.known.set(extension, room);
    return room;
  }

  /** Re-sync of one room: the store's state read again, every key written. */
  private async rewrite(extension: string): Promise<void> {
    this.known.delete(extension);
    const room = await this.current(extension);
    this.mirrored.delete(extension);
    await this.mirror.write(room);
    this.mirrored.add(extension);
  }

  /**
   * A change of one room's own columns: its changed AstDB keys, then one autocommit upsert (the
   * point of no return). Nothing to write when nothing changes.
   */
  private async commitOne(
    before: Room,
    after: Room,
    signal: AbortSignal | undefined,
    effect: ChangeEffect,
  ): Promise<void> {
    const ext = before.extension;
    const keys = changedKeys(this.mirrored.has(ext) ? before : undefined, after);
    if (keys.length === 0 && sameRoom(before, after)) {
      await this.settle('committed', effect.committed);
      return;
    }
    try {
      await this.mirror.writeKeys(keys);
      // The last moment to give up: a request past its deadline was already answered.
      throwIfAborted(signal);
      await this.repo.save(after);
    } catch (err) {
      await this.undo([before]);
      await this.settle('rolled back', effect.rolledBack);
      throw err;
    }
    this.committed([after]);
    this.onChanged?.([ext]);
    await this.settle('committed', effect.committed);
  }

  /** Saves the rooms `afterOf` gives and mirrors them, with `inTx` in the same transaction; all or nothing. */
  private async commit(
    before: Room[],
    afterOf: (tx: unknown) => Promise<Room[]>,
    inTx: (tx: unknown) => Promise<void>,
    signal: AbortSignal | undefined,
    effect: ChangeEffect = {},
  ): Promise<void> {
    let after: Room[] = [];
    try {
      await this.repo.transaction(async (tx) => {
        after = await afterOf(tx);
        for (const room of after) await this.repo.save(room, tx);
        await inTx(tx);
        const was = new Map(before.map((r) => [r.extension, r]));
        const keys = after.flatMap((r) =>
          changedKeys(this.mirrored.has(r.extension) ? was.get(r.extension) : undefined, r),
        );
        await this.mirror.writeKeys(keys);
        // The last moment to give up: a request past its deadline was already answered.
        throwIfAborted(signal);
      });
    } catch (err) {
      await this.undo(before);
      await this.settle('rolled back', effect.rolledBack);
      throw err;
    }
    this.committed(after);
    this.onChanged?.(before.map((r) => r.extension));
    await this.settle('committed', effect.committed);
  }

  private committed(rooms: Room[]): void {
    for (const r of rooms) {
      this.known.set(r.extension, r);
      this.mirrored.add(r.extension);
    }
  }

  /**
   * After a change that did not reach the store: the rooms are read again next time (a lost commit
   * may have been kept), and AstDB's keys are put back, as far as Asterisk lets us right now; the
   * rooms are written whole at their next change either way.
   */
  private async undo(before: Room[]): Promise<void> {
    for (const r of before) {
      this.known.delete(r.extension);
      this.mirrored.delete(r.extension);
    }
    try {
      await this.mirror.writeKeys(before.flatMap((r) => roomKeys(r)));
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'AstDB not restored now; the next re-sync will');
    }
  }

  private async settle(stage: string, fn: (() => Promise<void>) | undefined): Promise<void> {
    try {
      await fn?.();
    } catch (err) {
      this.log.error({ err: (err as Error).message, stage }, 'room change effect failed');
    }
  }

  private async after(fn: (h: RoomHooks) => Promise<void> | undefined): Promise<void> {
    for (const h of this.hooks) {
      try {
        await fn(h);
      } catch (err) {
        this.log.error({ err }, 'room hook failed after the change was committed');
      }
    }
  }
}

/** Equal in every column the store keeps. */
function sameRoom(a: Room, b: Room): boolean {
  const t = (d: Date | null): number | null => (d ? d.getTime() : null);
  return (
    a.guestName === b.guestName &&
    a.classOfService === b.classOfService &&
    a.dnd.on === b.dnd.on &&
    t(a.dnd.start) === t(b.dnd.start) &&
    t(a.dnd.end) === t(b.dnd.end) &&
    a.group === b.group &&
    a.voicemail.enabled === b.voicemail.enabled &&
    a.voicemail.mwi === b.voicemail.mwi &&
    a.voicemail.email === b.voicemail.email &&
    a.voicemail.attach === b.voicemail.attach &&
    t(a.checkedInAt) === t(b.checkedInAt)
  );
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
