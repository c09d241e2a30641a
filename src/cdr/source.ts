// Reads the cdr table Asterisk writes (cdr_adaptive_odbc / cdr_mysql), on the engine's database
// connections (its export pool for the rows): same server and user, the table named
// `<cdr.database>.<cdr.table>`.
import type { Knex } from 'knex';
import type { Config } from '../config/index.js';
import { StoreUnavailableError } from '../errors.js';
import { isTransportError, type Store } from '../store/db.js';
import type { CallRecord, CdrRow } from './classify.js';
import { applyFilter, type CdrFilter } from './query.js';

/** What GetCDR needs of the call records. */
export interface CdrReader {
  count(f: CdrFilter): Promise<number>;
  rows(f: CdrFilter, page?: { offset: number; limit: number }): AsyncIterable<CdrRow>;
}

/** Rows read ahead of the reader on an export connection. */
const STREAM_ROWS = 1000;

export class CdrSource implements CdrReader {
  private readonly table: string;
  private order: Promise<string[]> | undefined;

  constructor(
    private readonly store: Store,
    private readonly config: Pick<Config, 'cdr' | 'numbering'>,
  ) {
    // Both names were checked by the config module ([A-Za-z0-9_]).
    this.table = `${config.cdr.database}.${config.cdr.table}`;
  }

  count(f: CdrFilter): Promise<number> {
    return this.store.run(async (k) => {
      const row = (await this.countQuery(k, f).first()) as { n: number | string } | undefined;
      return Number(row?.n ?? 0);
    });
  }

  /**
   * The database's plan (EXPLAIN rows) for the count and the row query of a request, exactly as
   * count() and rows() build them: for the benchmark and for checking an install's indexes.
   */
  async explain(
    f: CdrFilter,
    page?: { offset: number; limit: number },
  ): Promise<{ count: Array<Record<string, unknown>>; rows: Array<Record<string, unknown>> }> {
    const order = await this.orderColumns();
    return this.store.run(async (k) => {
      const plan = async (q: Knex.QueryBuilder): Promise<Array<Record<string, unknown>>> => {
        const { sql, bindings } = q.toSQL().toNative();
        const [rows] = (await k.raw(`EXPLAIN ${sql}`, bindings as Knex.RawBinding[])) as [
          Array<Record<string, unknown>>,
        ];
        return rows.map((r) => ({ ...r }));
      };
      return {
        count: await plan(this.countQuery(k, f)),
        rows: await plan(this.rowsQuery(k, f, order, page)),
      };
    });
  }

  private countQuery(k: Knex, f: CdrFilter): Knex.QueryBuilder {
    return applyFilter(k(this.table), f, this.config.numbering, this.config.cdr.trunks).count({ n: '*' });
  }

  private rowsQuery(
    k: Knex,
    f: CdrFilter,
    order: string[],
    page: { offset: number; limit: number } | undefined,
  ): Knex.QueryBuilder {
    // Not aliased `calldate`: ORDER BY would then sort on the formatted text, which no index
    // holds (a sort of every matching row, and a full scan of the table for a month).
    const sel = k(this.table).select(
      k.raw("DATE_FORMAT(calldate, '%Y-%m-%d %H:%i:%s') AS calldate_text"),
      'src',
      'dst',
      'channel',
      'dstchannel',
      'duration',
      'billsec',
      'disposition',
    );
    applyFilter(sel, f, this.config.numbering, this.config.cdr.trunks);
    for (const c of order) sel.orderBy(c);
    if (page) sel.offset(page.offset).limit(page.limit);
    return sel;
  }

  /** The matching rows in calldate order, streamed (memory stays flat for any number of rows). */
  async *rows(f: CdrFilter, page?: { offset: number; limit: number }): AsyncGenerator<CdrRow> {
    const order = await this.orderColumns();
    // Its own pool: a PMS that reads slowly holds an export connection, never a room command's.
    const { knex: k, release } = this.store.exportSlot();
    try {
      // A buffer of rows between the connection and the reader: with the default 16 the connection
      // was paused and resumed every few rows. Still a few hundred kB at most.
      for await (const r of this.rowsQuery(k, f, order, page).stream({ highWaterMark: STREAM_ROWS })) {
        const row = r as Record<string, unknown>;
        yield {
          calldate: String(row.calldate_text ?? ''),
          src: String(row.src ?? ''),
          dst: String(row.dst ?? ''),
          channel: String(row.channel ?? ''),
          dstchannel: String(row.dstchannel ?? ''),
          duration: Number(row.duration ?? 0),
          billsec: Number(row.billsec ?? 0),
          disposition: String(row.disposition ?? ''),
        };
      }
    } catch (err) {
      if (isTransportError(err)) throw new StoreUnavailableError((err as Error).message, err);
      throw err;
    } finally {
      release();
    }
  }

  /** The newest call record's id, 0 for none (where the FIAS call charges start). */
  async newestId(): Promise<number> {
    const row = (await this.store.run((k) => k(this.table).max({ id: 'id' }).first())) as
      { id: number | string | null } | undefined;
    return Number(row?.id ?? 0);
  }

  /** Up to `limit` call records after `id`, in id order: the columns a FIAS posting needs. */
  async after(id: number, limit: number): Promise<CallRecord[]> {
    const rows = (await this.store.run((k) =>
      k(this.table)
        .select(
          'id',
          k.raw("DATE_FORMAT(calldate, '%Y-%m-%d %H:%i:%s') AS calldate"),
          'src',
          'dst',
          'billsec',
          'disposition',
        )
        .where('id', '>', id)
        .orderBy('id')
        .limit(limit),
    )) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: Number(r.id),
      calldate: String(r.calldate ?? ''),
      src: String(r.src ?? ''),
      dst: String(r.dst ?? ''),
      billsec: Number(r.billsec ?? 0),
      disposition: String(r.disposition ?? ''),
    }));
  }

  /** calldate, then `id` when the table has one (ours does), else uniqueid: a stable order for paging. */
  private orderColumns(): Promise<string[]> {
    this.order ??= this.store
      .run((k) => k.raw(`SHOW COLUMNS FROM ${this.table} LIKE 'id'`))
      .then(([rows]: [unknown[]]) => (rows.length ? ['calldate', 'id'] : ['calldate', 'uniqueid']))
      .catch((err: unknown) => {
        this.order = undefined;
        throw err;
      });
    return this.order;
  }
}
