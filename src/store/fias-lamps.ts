// The PMS's message lamp per room (RE ML, "Room Data"): a message waits at the front desk. The room's
// phone shows it through src/voicemail/desk-lamps.ts, which follows this table; check-out and room
// moves carry it (src/fias/inbound/hooks.ts).
import type { Knex } from 'knex';
import type { Store } from './db.js';

export interface FiasLampRepo {
  set(room: string, on: boolean, reservation: string | undefined, now: number, tx?: unknown): Promise<void>;
  isOn(room: string, tx?: unknown): Promise<boolean>;
  /** Every room whose lamp is on. */
  lit(): Promise<string[]>;
  moveRoom(from: string, to: string, tx?: unknown): Promise<void>;
}

export class FiasLampStore implements FiasLampRepo {
  constructor(private readonly store: Store) {}

  set(room: string, on: boolean, reservation: string | undefined, now: number, tx?: unknown): Promise<void> {
    return this.on(tx, async (k) => {
      if (!on) await k('fias_message_lights').where({ room }).delete();
      else
        await k('fias_message_lights')
          .insert({ room, reservation: reservation ?? null, updated_at: now })
          .onConflict('room')
          .merge();
    });
  }

  isOn(room: string, tx?: unknown): Promise<boolean> {
    return this.on(tx, async (k) => (await k('fias_message_lights').where({ room }).first()) !== undefined);
  }

  async lit(): Promise<string[]> {
    const rows = await this.store.run((k) => k('fias_message_lights').select('room').orderBy('room'));
    return rows.map((r: { room: string }) => r.room);
  }

  moveRoom(from: string, to: string, tx?: unknown): Promise<void> {
    return this.on(tx, async (k) => {
      await k('fias_message_lights').where({ room: to }).delete();
      await k('fias_message_lights').where({ room: from }).update({ room: to });
    });
  }

  private on<T>(tx: unknown, fn: (k: Knex) => Promise<T>): Promise<T> {
    if (tx) return fn(tx as Knex.Transaction);
    return this.store.run(fn);
  }
}
