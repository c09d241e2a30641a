// An in-memory RoomRepo for unit tests, with real all-or-nothing transactions. Every call yields to
// the event loop first (a macrotask, as a database round trip would), so commands that race in the
// product race here too: a test of the room lock fails if the lock is gone.
import { cleanRoom, type Room, type RoomRepo } from '../../../src/store/rooms.js';

const roundTrip = (): Promise<void> => new Promise((r) => setImmediate(r));

/** What one transaction changed: the rows it wrote and what they held before. */
type Journal = Map<string, Room | undefined>;

export class MemoryRooms implements RoomRepo {
  rows = new Map<string, Room>();

  async get(extension: string): Promise<Room> {
    await roundTrip();
    return structuredClone(this.rows.get(extension) ?? cleanRoom(extension));
  }
  async save(room: Room, tx?: unknown): Promise<void> {
    await roundTrip();
    const journal = tx as Journal | undefined;
    if (journal && !journal.has(room.extension)) journal.set(room.extension, this.rows.get(room.extension));
    this.rows.set(room.extension, structuredClone(room));
  }
  async list(): Promise<Room[]> {
    await roundTrip();
    return [...this.rows.values()].map((r) => structuredClone(r));
  }
  async transaction<T>(fn: (tx: unknown) => Promise<T>): Promise<T> {
    const journal: Journal = new Map();
    try {
      return await fn(journal);
    } catch (err) {
      // Only this transaction's rows go back: other rooms' commits meanwhile stand.
      for (const [ext, prev] of journal)
        if (prev) this.rows.set(ext, prev);
        else this.rows.delete(ext);
      throw err;
    }
  }
}
