// The PMS's message lamp per room (RE ML, "Room Data"): a message waits at the front desk. The engine
// has no way yet to light a phone's lamp for it (the lamp follows the room's Asterisk mailbox), so
// the state is kept here for the day it can, and for operators; check-out and room moves follow it.
import type { Knex } from 'knex';
import type { Store } from './db.js';

export interface FiasLampRepo {
  set(room: string, on: boolean, reservation: string | undefined, now: number, tx?: unknown): Promise<void>;
  isOn(room: string, tx?: unknown): Promise<boolean>;
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
