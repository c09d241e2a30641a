// An in-memory RoomRepo for unit tests, with real all-or-nothing transactions.
import { cleanRoom, type Room, type RoomRepo } from '../../../src/store/rooms.js';

export class MemoryRooms implements RoomRepo {
  rows = new Map<string, Room>();

  async get(extension: string): Promise<Room> {
    return structuredClone(this.rows.get(extension) ?? cleanRoom(extension));
  }
  async save(room: Room): Promise<void> {
    this.rows.set(room.extension, structuredClone(room));
  }
  async list(): Promise<Room[]> {
    return [...this.rows.values()].map((r) => structuredClone(r));
  }
  async transaction<T>(fn: (tx: unknown) => Promise<T>): Promise<T> {
    const snapshot = new Map([...this.rows].map(([k, v]) => [k, structuredClone(v)]));
    try {
      return await fn({});
    } catch (err) {
      this.rows = snapshot;
      throw err;
    }
  }
}
