// Asterisk's call records in the lab: the `cdr` table of LAB_CDR_DATABASE (asterisk-conf/sql/cdr.sql),
// filled by cdr_adaptive_odbc when a call ends. A test makes a call, then waits for its row.
import type { RowDataPacket } from 'mysql2/promise';
import { labEnv } from './lab.js';
import { labDatabase } from './engine.js';

/** One row of the classic cdr_mysql table (plus `id`). */
export interface CdrRow {
  id: number;
  /** When the call started, whole seconds (Asterisk's local time, read as this host's local time). */
  calldate: Date;
  /** `"name" <number>` of the caller: the guest's name for a call from an occupied room. */
  clid: string;
  src: string;
  /** The number as dialled (outside code included). */
  dst: string;
  dcontext: string;
  channel: string;
  /** The called channel: `PJSIP/8002-…`, or the lab trunk's `Local/<number>@lab-trunk-far-…;1`. */
  dstchannel: string;
  lastapp: string;
  lastdata: string;
  duration: number;
  billsec: number;
  /** ANSWERED, NO ANSWER, BUSY or FAILED. */
  disposition: string;
  amaflags: number;
  accountcode: string;
  uniqueid: string;
  /** What the PMS dialplan did: `pms:allowed:class=N:cat=M`, `pms:refused:class=N:cat=M`, `pms:dnd`. */
  userfield: string;
}

export interface CdrQuery {
  src?: string;
  dst?: string;
  /** Rows of calls that started at or after this time (compared in whole seconds). */
  since: Date;
}

const POLL_MS = 100;

/** The rows matching `where`, oldest first. */
export async function cdrRows(where: CdrQuery): Promise<CdrRow[]> {
  const conn = await labDatabase({ database: labEnv().LAB_CDR_DATABASE ?? 'asteriskcdrdb' });
  try {
    // calldate has whole seconds: a call made at 12:00:00.700 has calldate 12:00:00.
    const since = new Date(Math.floor(where.since.getTime() / 1000) * 1000);
    const conditions = ['calldate >= ?'];
    const params: unknown[] = [since];
    if (where.src !== undefined) {
      conditions.push('src = ?');
      params.push(where.src);
    }
    if (where.dst !== undefined) {
      conditions.push('dst = ?');
      params.push(where.dst);
    }
    const [rows] = await conn.query<RowDataPacket[]>(
      `SELECT * FROM cdr WHERE ${conditions.join(' AND ')} ORDER BY id`,
      params,
    );
    return rows as CdrRow[];
  } finally {
    await conn.end();
  }
}

/** Rows cdrFor has returned already: each call's row is handed out once. */
const returned = new Set<number>();

/**
 * Waits for the row of a call just made: the oldest row matching `where` that this function has not
 * returned before. Asterisk writes it when the call has ended (well under a second later); throws
 * after `timeoutMs` with the rows that did match, if any.
 */
export async function cdrFor(where: CdrQuery, timeoutMs = 5_000): Promise<CdrRow> {
  const deadline = Date.now() + timeoutMs;
  let seen: CdrRow[] = [];
  for (;;) {
    seen = await cdrRows(where);
    const row = seen.find((r) => !returned.has(r.id));
    if (row) {
      returned.add(row.id);
      return row;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const what = JSON.stringify({ ...where, since: where.since.toISOString() });
  throw new Error(
    `no new call record ${what} within ${timeoutMs} ms` +
      (seen.length ? ` (already returned: ${seen.map((r) => r.id).join(', ')})` : '') +
      '; is cdr_adaptive_odbc loaded? `asterisk -rx "cdr show status"`, lab/run/asterisk.log',
  );
}
