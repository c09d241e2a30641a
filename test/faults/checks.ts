// What the fault suite checks after each fault, from the store (MariaDB), from AstDB (the Asterisk
// CLI) and from the load's record: nothing half-applied, AstDB equal to the store room by room,
// every wake-up placed exactly once.
import { asteriskCli } from '../lab/lab.js';
import { labDatabase } from '../lab/engine.js';
import type { Field, Sent } from './load.js';

export type RoomValues = Record<Field, string>;

/** A room as the engine starts it in an empty store (checked out: class 1, no name, no DND). */
export const INITIAL: RoomValues = { name: '', limit: '1', dnd: '0' };

export async function storeRooms(
  database: string,
  rooms: readonly string[],
): Promise<Map<string, RoomValues>> {
  const db = await labDatabase({ database });
  try {
    const [rows] = (await db.query(
      'SELECT extension, guest_name, class_of_service, dnd_on FROM rooms WHERE extension IN (?)',
      [rooms],
    )) as unknown as [
      Array<{ extension: string; guest_name: string | null; class_of_service: number; dnd_on: number }>,
    ];
    return new Map(
      rows.map((r) => [
        r.extension,
        { name: r.guest_name ?? '', limit: String(r.class_of_service), dnd: r.dnd_on ? '1' : '0' },
      ]),
    );
  } finally {
    await db.end();
  }
}

/** pms/<room>/{name,class,dnd} as Asterisk has them now. */
export async function astDbRooms(rooms: readonly string[]): Promise<Map<string, Partial<RoomValues>>> {
  const out = await asteriskCli('database show pms');
  const map = new Map<string, Partial<RoomValues>>(rooms.map((r) => [r, {}]));
  for (const m of out.matchAll(/^\/pms\/([^/\s]+)\/(name|class|dnd)\s*: (.*)$/gm)) {
    const room = map.get(m[1]!);
    if (!room) continue;
    const field: Field = m[2] === 'class' ? 'limit' : (m[2] as Field);
    room[field] = m[3]!.trimEnd();
  }
  return map;
}

/**
 * Rooms whose stored value is not what the answers allow: the value of the last success (or the
 * initial value) or of an ambiguous command sent after it. A clear error that still changed the room,
 * or a success that did not stick, shows up here.
 */
export function halfApplied(
  sent: readonly Sent[],
  store: Map<string, RoomValues>,
  rooms: readonly string[],
): string[] {
  const problems: string[] = [];
  for (const room of rooms) {
    for (const field of ['name', 'limit', 'dnd'] as const) {
      const mine = sent.filter((s) => s.room === room && s.field === field);
      const lastOk = mine.map((s) => s.outcome).lastIndexOf('success');
      const allowed = new Set([lastOk >= 0 ? mine[lastOk]!.value : INITIAL[field]]);
      for (const s of mine.slice(lastOk + 1))
        if (s.outcome === 'ambiguous' || s.outcome === 'lost') allowed.add(s.value);
      const actual = store.get(room)?.[field];
      if (actual === undefined || !allowed.has(actual))
        problems.push(
          `${room} ${field}: store has ${JSON.stringify(actual)}, answers allow ${[...allowed].join(' | ')}`,
        );
    }
  }
  return problems;
}

export function astDbDiff(
  store: Map<string, RoomValues>,
  astdb: Map<string, Partial<RoomValues>>,
  rooms: readonly string[],
): string[] {
  const problems: string[] = [];
  for (const room of rooms)
    for (const field of ['name', 'limit', 'dnd'] as const) {
      const s = store.get(room)?.[field];
      const a = astdb.get(room)?.[field];
      if (s !== a) problems.push(`${room} ${field}: store ${JSON.stringify(s)}, AstDB ${JSON.stringify(a)}`);
    }
  return problems;
}

export interface WakeupFigures {
  rooms: number;
  answered: number;
  /** Rooms whose wake-up did not end answered. */
  lost: string[];
  /** Rooms with more than one answered attempt (a guest woken twice). */
  doubled: string[];
  /** Attempts that failed on the engine's or the PBX's side and were placed again. */
  linkFaults: number;
  attempts: number;
  /** Per room, the first answer after the due instant (ms). */
  answeredAfterDueMs: number[];
}

/** Waits until every wake-up due at `dueAt` is settled (or `timeoutMs`), then counts. */
export async function wakeupOutcome(
  database: string,
  rooms: readonly string[],
  dueAt: number,
  timeoutMs: number,
): Promise<WakeupFigures> {
  const db = await labDatabase({ database });
  try {
    const deadline = Date.now() + timeoutMs;
    type Occ = { id: number; extension: string; state: string };
    let occ: Occ[] = [];
    for (;;) {
      [occ] = (await db.query(
        'SELECT id, extension, state FROM wakeup_occurrences WHERE due_at = ? AND extension IN (?)',
        [dueAt, rooms],
      )) as unknown as [Occ[]];
      if (occ.length && occ.every((o) => o.state !== 'pending' && o.state !== 'calling')) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const [attempts] = (await db.query(
      'SELECT occurrence_id, result, answered_at FROM wakeup_attempts WHERE occurrence_id IN (?)',
      [occ.length ? occ.map((o) => o.id) : [0]],
    )) as unknown as [Array<{ occurrence_id: number; result: string | null; answered_at: number | null }>];
    const of = (o: Occ) => attempts.filter((a) => a.occurrence_id === o.id);
    const answeredRooms = occ.filter((o) => o.state === 'answered').map((o) => o.extension);
    return {
      rooms: rooms.length,
      answered: answeredRooms.length,
      lost: rooms.filter((r) => !answeredRooms.includes(r)),
      doubled: occ
        .filter((o) => of(o).filter((a) => a.result === 'answered').length > 1)
        .map((o) => o.extension),
      linkFaults: attempts.filter((a) => a.result === 'linkfault' || a.result === 'interrupted').length,
      attempts: attempts.length,
      answeredAfterDueMs: occ
        .map((o) => of(o).find((a) => a.result === 'answered')?.answered_at)
        .filter((t): t is number => t != null)
        .map((t) => Number(t) - dueAt)
        .sort((a, b) => a - b),
    };
  } finally {
    await db.end();
  }
}
