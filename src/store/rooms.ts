// Room state in the store. Handlers change rooms only through this repository, which is also where
// a room's "clean" (checked-out) state is defined once.
import type { Knex } from 'knex';
import type { Store } from './db.js';

export type ClassOfService = 1 | 2 | 3 | 4 | 5;

export interface Room {
  extension: string;
  guestName: string | null;
  classOfService: ClassOfService;
  dnd: { on: boolean; start: Date | null; end: Date | null };
  group: string;
  voicemail: { enabled: boolean; mwi: boolean; email: string | null; attach: boolean };
  checkedInAt: Date | null;
}

/** A room after check-out (seed 000 §5.4.8): class 1, group Default, everything else cleared. */
export function cleanRoom(extension: string): Room {
  return {
    extension,
    guestName: null,
    classOfService: 1,
    dnd: { on: false, start: null, end: null },
    group: 'Default',
    voicemail: { enabled: false, mwi: false, email: null, attach: true },
    checkedInAt: null,
  };
}

interface Row {
  extension: string;
  guest_name: string | null;
  class_of_service: number;
  dnd_on: number | boolean;
  dnd_start: Date | null;
  dnd_end: Date | null;
  group_name: string;
  vm_enabled: number | boolean;
  vm_mwi: number | boolean;
  vm_email: string | null;
  vm_attach: number | boolean;
  checked_in_at: Date | null;
}

/** What the room service needs of a store; `tx` is an open transaction of that store. */
export interface RoomRepo {
  get(extension: string, tx?: unknown): Promise<Room>;
  /**
   * Saves the room: in `tx`, or without one as a single autocommit statement, all or nothing by
   * itself (a StoreUnavailableError with `duringCommit` when its outcome is unknown).
   */
  save(room: Room, tx?: unknown): Promise<void>;
  /** Every room that is not clean; in `tx`, as that transaction sees them. */
  list(tx?: unknown): Promise<Room[]>;
  transaction<T>(fn: (tx: unknown) => Promise<T>): Promise<T>;
}

/**
 * Whether the room table was empty when the store first opened in this process (a new or lost
 * database: no room ever written, or every one clean), read before anything could write a room.
 * Call before store.start().
 */
export function roomsEmptyAtStart(store: Store): Promise<boolean> {
  return store.atFirstOpen(async (k) => (await k('rooms').select('extension').first()) === undefined);
}

const COLUMNS = [
  'extension',
  'guest_name',
  'class_of_service',
  'dnd_on',
  'dnd_start',
  'dnd_end',
  'group_name',
  'vm_enabled',
  'vm_mwi',
  'vm_email',
  'vm_attach',
  'checked_in_at',
] as const satisfies ReadonlyArray<keyof Row>;

/** One multi-row upsert of `n` rooms (every column but the key is replaced; updated_at now). */
function upsertSql(n: number): string {
  const row = `(${COLUMNS.map(() => '?').join(', ')})`;
  const set = COLUMNS.slice(1)
    .map((c) => `${c} = VALUES(${c})`)
    .join(', ');
  return `INSERT INTO rooms (${COLUMNS.join(', ')}) VALUES ${Array(n).fill(row).join(', ')} ON DUPLICATE KEY UPDATE ${set}, updated_at = CURRENT_TIMESTAMP`;
}

interface PendingSave {
  row: Row;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class RoomStore implements RoomRepo {
  /** Saves outside a transaction asked for in this turn of the event loop: written as one statement. */
  #pending: PendingSave[] | undefined;
  readonly #sql = new Map<number, string>();

  constructor(private readonly store: Store) {}

  /** The room's state; a room never written is clean. */
  async get(extension: string, tx?: unknown): Promise<Room> {
    const trx = tx as Knex.Transaction | undefined;
    const row = await this.store.run((k) => (trx ?? k)<Row>('rooms').where({ extension }).first());
    return row ? fromRow(row) : cleanRoom(extension);
  }

  /**
   * In `tx`, an upsert of its own. Outside a transaction, the saves of other rooms asked for in the
   * same turn of the event loop (pipelined commands whose AstDB writes were answered together) share
   * one autocommit multi-row upsert: a statement is atomic, so each of them is kept or none is, and a
   * failure fails them all (Store.write says when the outcome is unknown).
   */
  async save(room: Room, tx?: unknown): Promise<void> {
    const row = toRow(room);
    if (tx === undefined) return this.#queue(row);
    const trx = tx as Knex.Transaction;
    await this.store.run((k) =>
      trx('rooms')
        .insert(row)
        .onConflict('extension')
        .merge({ ...row, updated_at: k.fn.now() }),
    );
  }

  #queue(row: Row): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.#pending) {
        this.#pending = [];
        process.nextTick(() => void this.#flush());
      }
      this.#pending.push({ row, resolve, reject });
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#pending ?? [];
    this.#pending = undefined;
    let sql = this.#sql.get(batch.length);
    if (!sql) {
      sql = upsertSql(batch.length);
      if (batch.length <= 64) this.#sql.set(batch.length, sql);
    }
    const values = batch.flatMap((p) => COLUMNS.map((c) => p.row[c]));
    try {
      await this.store.statement(sql, values);
      for (const p of batch) p.resolve();
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }

  /** Every room that is not clean (the rows present). */
  async list(tx?: unknown): Promise<Room[]> {
    const trx = tx as Knex.Transaction | undefined;
    const rows = await this.store.run((k) => (trx ?? k)<Row>('rooms').select().orderBy('extension'));
    return rows.map(fromRow);
  }

  /** Runs `fn` in one transaction: all of it is applied, or none (e.g. ChangeRoom). */
  transaction<T>(fn: (tx: unknown) => Promise<T>): Promise<T> {
    return this.store.transaction(fn);
  }
}

function fromRow(r: Row): Room {
  return {
    extension: r.extension,
    guestName: r.guest_name,
    classOfService: r.class_of_service as ClassOfService,
    dnd: { on: Boolean(r.dnd_on), start: r.dnd_start, end: r.dnd_end },
    group: r.group_name,
    voicemail: {
      enabled: Boolean(r.vm_enabled),
      mwi: Boolean(r.vm_mwi),
      email: r.vm_email,
      attach: Boolean(r.vm_attach),
    },
    checkedInAt: r.checked_in_at,
  };
}

function toRow(room: Room): Row {
  return {
    extension: room.extension,
    guest_name: room.guestName,
    class_of_service: room.classOfService,
    dnd_on: room.dnd.on,
    dnd_start: room.dnd.start,
    dnd_end: room.dnd.end,
    group_name: room.group,
    vm_enabled: room.voicemail.enabled,
    vm_mwi: room.voicemail.mwi,
    vm_email: room.voicemail.email,
    vm_attach: room.voicemail.attach,
    checked_in_at: room.checkedInAt,
  };
}
