// The guests of each room as the PMS checked them in ("Guest Data"), by reservation G#: with sharers
// a room holds several, and stays occupied until the last one leaves. The room's displayed name is
// its primary guest's: the first one in who came as a non-sharer (else simply the first one in).
import type { Knex } from 'knex';
import type { Store } from './db.js';

export interface FiasGuest {
  room: string;
  /** G#; '' when the PMS is room-based and sends none. */
  reservation: string;
  name: string | null;
  firstName: string | null;
  title: string | null;
  language: string | null;
  sharer: boolean;
  createdAt: number;
}

/** What the FIAS records need of the guest table; `tx` is an open transaction of the store. */
export interface FiasGuestRepo {
  /** The room's guests in order of arrival. */
  list(room: string, tx?: unknown): Promise<FiasGuest[]>;
  /** Inserts the guest, or updates it in place (its arrival order and sharer flag stay). */
  upsert(guest: FiasGuest, tx?: unknown): Promise<void>;
  remove(room: string, reservation: string, tx?: unknown): Promise<boolean>;
  removeRoom(room: string, tx?: unknown): Promise<number>;
  /** A whole room moved (ChangeRoom, a FIAS move of the last guest): its guests follow. */
  moveRoom(from: string, to: string, tx?: unknown): Promise<number>;
  /** Every guest of the hotel, room by room in order of arrival (the sweep at the end of a resync). */
  all(): Promise<FiasGuest[]>;
}

/** The primary guest of a room: the first non-sharer in, else the first in. */
export function primaryGuest(guests: readonly FiasGuest[]): FiasGuest | undefined {
  return guests.find((g) => !g.sharer) ?? guests[0];
}

interface Row {
  id: number;
  room: string;
  reservation: string;
  name: string | null;
  first_name: string | null;
  title: string | null;
  language: string | null;
  sharer: number | boolean;
  created_at: number | string;
}

export class FiasGuestStore implements FiasGuestRepo {
  constructor(private readonly store: Store) {}

  list(room: string, tx?: unknown): Promise<FiasGuest[]> {
    return this.on(tx, async (k) => {
      const rows = (await k('fias_guests').where({ room }).orderBy('id')) as Row[];
      return rows.map(fromRow);
    });
  }

  upsert(g: FiasGuest, tx?: unknown): Promise<void> {
    return this.on(tx, async (k) => {
      const data = { name: g.name, first_name: g.firstName, title: g.title, language: g.language };
      await k('fias_guests')
        .insert({
          room: g.room,
          reservation: g.reservation,
          ...data,
          sharer: g.sharer,
          created_at: g.createdAt,
        })
        .onConflict(['room', 'reservation'])
        .merge(data);
    });
  }

  remove(room: string, reservation: string, tx?: unknown): Promise<boolean> {
    return this.on(tx, async (k) => (await k('fias_guests').where({ room, reservation }).delete()) > 0);
  }

  removeRoom(room: string, tx?: unknown): Promise<number> {
    return this.on(tx, (k) => k('fias_guests').where({ room }).delete());
  }

  moveRoom(from: string, to: string, tx?: unknown): Promise<number> {
    return this.on(tx, async (k) => {
      // The target room is overwritten by the move: whoever the table still had there is gone.
      await k('fias_guests').where({ room: to }).delete();
      return k('fias_guests').where({ room: from }).update({ room: to });
    });
  }

  async all(): Promise<FiasGuest[]> {
    const rows = (await this.store.run((k) => k('fias_guests').orderBy(['room', 'id']))) as Row[];
    return rows.map(fromRow);
  }

  private on<T>(tx: unknown, fn: (k: Knex) => Promise<T>): Promise<T> {
    if (tx) return fn(tx as Knex.Transaction);
    return this.store.run(fn);
  }
}

function fromRow(r: Row): FiasGuest {
  return {
    room: r.room,
    reservation: r.reservation,
    name: r.name,
    firstName: r.first_name,
    title: r.title,
    language: r.language,
    sharer: Boolean(r.sharer),
    createdAt: Number(r.created_at),
  };
}
