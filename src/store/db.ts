// The engine's database (knex + mysql2 on MySQL/MariaDB): created if missing, migrated whenever the
// link comes up, and the source of truth for room state. It is a link like AMI and ARI (the shared
// machine of src/links/link.ts): `connecting`, `ready`, `reconnecting`, `end`, with a keepalive
// `SELECT 1`, and a `ready` on every recovery so the engine re-syncs and restarts the wake-ups.
//
// Every query has a deadline (db.queryTimeoutMs). A database that hangs (frozen, failing over, a
// network dropping packets) never resets the socket, so a query that misses its deadline drops the
// whole connection: every socket is reset — an open transaction can then never commit later, the
// server rolls it back — queries fail at once with "Database unavailable", and the link reconnects.
//
// GetCDR exports stream from their own small pool (db.exportConnections): a PMS that reads slowly
// holds one of those, never a connection that room commands and wake-ups need.
import { EventEmitter } from 'node:events';
import knexFactory, { type Knex } from 'knex';
import { createConnection } from 'mysql2/promise';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { StoreUnavailableError } from '../errors.js';
import { Link, type Attempt, type LinkState } from '../links/link.js';
import { migrationSource } from './migrations/index.js';

export type StoreState = LinkState;

interface StoreEvents {
  state: [state: StoreState, previous: StoreState];
  ready: [];
}

/** mysql2 / knex error codes that mean "the database cannot be reached", not "the query is wrong". */
const TRANSPORT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_ACCESS_DENIED_ERROR',
  'ER_SERVER_SHUTDOWN',
  // A server shutting down kills the connections and interrupts their queries.
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  'ECONNABORTED',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'ER_NET_READ_ERROR',
  'ER_NET_READ_INTERRUPTED',
  'ER_NET_ERROR_ON_WRITE',
  'ER_NET_WRITE_INTERRUPTED',
]);

export function isTransportError(err: unknown): boolean {
  const e = err as { code?: string; name?: string; fatal?: boolean };
  return TRANSPORT_CODES.has(e?.code ?? '') || e?.name === 'KnexTimeoutError' || e?.fatal === true;
}

/** The raw mysql2 connection, as much of it as the watchdog needs. */
interface RawConnection {
  query: (...args: unknown[]) => { once(event: string, fn: () => void): unknown };
  stream: { resetAndDestroy?: () => void; destroy: () => void };
}

/** knex's connection pool, as much of it as statement() uses. */
interface PoolClient {
  acquireConnection(): Promise<RawConnection>;
  releaseConnection(raw: RawConnection): Promise<unknown>;
}

/** One epoch of the link: both pools and every socket they opened. */
interface DbConnection {
  main: Knex;
  exports: Knex;
  sockets: Set<RawConnection>;
  /** Set when the link dropped this epoch: a socket created afterwards is reset at once. */
  closed: boolean;
}

/** Bound on the first connection attempt's migrations and on every later connect. */
const OPEN_DEADLINE_MS = 60_000;

export class Store extends EventEmitter<StoreEvents> {
  readonly #link: Link<DbConnection>;
  #activeExports = 0;
  /** Run once, at the first open of this process (atFirstOpen). */
  readonly #firstOpen: Array<(k: Knex) => Promise<void>> = [];
  #opened = false;

  constructor(
    private readonly config: Config['db'],
    private readonly log: Logger,
  ) {
    super();
    this.#link = new Link(
      {
        open: (attempt) => this.#open(attempt),
        close: (conn) => this.#close(conn),
        probe: (conn) => conn.main.raw('SELECT 1').then(() => undefined),
      },
      {
        label: 'database',
        connectTimeoutMs: Math.max(config.connectTimeoutMs, OPEN_DEADLINE_MS),
        reconnect: config.reconnect,
        keepalive: config.keepalive,
      },
      log,
    );
    this.#link.on('state', (state, previous) => this.emit('state', state, previous));
    this.#link.on('ready', () => this.emit('ready'));
  }

  get state(): StoreState {
    return this.#link.state;
  }

  /** Why the link last dropped or failed to connect; undefined once it is ready again. */
  get lastReason(): string | undefined {
    return this.#link.lastReason;
  }

  /** The ready connection's knex (tests, tools); throws StoreUnavailableError when the link is not ready. */
  get knex(): Knex {
    return this.#ready().main;
  }

  /**
   * Brings the link up (database created if missing, migrations run) and keeps it up until stop().
   * Resolves at the first `ready`, or when stopped first.
   */
  start(): Promise<void> {
    if (this.#link.state === 'ready') return Promise.resolve();
    return new Promise((resolve) => {
      const onState = (state: StoreState): void => {
        if (state !== 'ready' && state !== 'end') return;
        this.#link.off('state', onState);
        resolve();
      };
      this.#link.on('state', onState);
      this.#link.start();
    });
  }

  /**
   * Runs `fn` once, at the first successful open of this process: after the migrations and before
   * the store is ready, so nothing else has read or written yet. Resolves with its result then (a
   * throw fails that open, which is retried). Register before start().
   */
  atFirstOpen<T>(fn: (k: Knex) => Promise<T>): Promise<T> {
    return new Promise((resolve) => {
      this.#firstOpen.push(async (k) => resolve(await fn(k)));
    });
  }

  /** Runs queries; a database that cannot be reached becomes StoreUnavailableError at once. */
  async run<T>(fn: (knex: Knex) => Promise<T>): Promise<T> {
    const conn = this.#ready();
    try {
      return await fn(conn.main);
    } catch (err) {
      // Whatever a query throws once its link dropped (a pool destroyed under a waiting acquire, a
      // socket we reset) is the outage, not a bug of the request.
      if (isTransportError(err) || conn.closed) throw new StoreUnavailableError(describe(err), err);
      throw err;
    }
  }

  /**
   * Runs one statement in autocommit (a single-row upsert is all or nothing by itself). A link lost
   * once the statement was handed to a connection leaves it unknown whether it was kept: the error
   * says so (`duringCommit`), as for a transaction's COMMIT. Refused before sending (link not ready,
   * no pooled connection in time): a plain "unavailable", nothing was applied.
   */
  async write<T>(fn: (knex: Knex) => Promise<T>): Promise<T> {
    try {
      return await this.run(fn);
    } catch (err) {
      const sent = err instanceof StoreUnavailableError && err.cause !== undefined;
      const notSent = (err as { cause?: { name?: string } }).cause?.name === 'KnexTimeoutError';
      if (sent && !notSent)
        throw new StoreUnavailableError((err as Error).message, (err as Error).cause, true);
      throw err;
    }
  }

  /**
   * One statement in autocommit, sent straight on a pooled connection with its values (the driver
   * escapes them): the hot path of room saves, without the query builder's work per call. The same
   * outcomes as write(), the same per-query deadline (the connection's watchdog).
   */
  statement(sql: string, values: readonly unknown[]): Promise<void> {
    return this.write(async (k) => {
      const pool = k.client as PoolClient;
      const raw = await pool.acquireConnection();
      try {
        await new Promise<void>((resolve, reject) =>
          raw.query(sql, values, (err: Error | null) => (err ? reject(err) : resolve())),
        );
      } finally {
        await pool.releaseConnection(raw);
      }
    });
  }

  /**
   * Runs `fn` in one transaction: all of it is applied, or none. If the database is lost while the
   * COMMIT is in flight, nobody can tell whether it took: the error says so (`duringCommit`), and the
   * next re-sync makes AstDB equal to whatever the store kept.
   */
  async transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    let committing = false;
    try {
      return await this.run((k) =>
        k.transaction(async (trx) => {
          const result = await fn(trx);
          committing = true;
          return result;
        }),
      );
    } catch (err) {
      if (committing && err instanceof StoreUnavailableError)
        throw new StoreUnavailableError(err.message, err.cause, true);
      throw err;
    }
  }

  /**
   * An export slot: the export pool's knex, held until `release()`. Refused at once when every
   * export connection is taken: the PMS gets a clear answer instead of waiting behind another export.
   */
  exportSlot(): { knex: Knex; release: () => void } {
    const conn = this.#ready();
    const max = this.config.exportConnections;
    if (this.#activeExports >= max)
      throw new StoreUnavailableError(
        `all ${max} export connections are busy (db.exportConnections); try again when an export has finished`,
      );
    this.#activeExports++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.#activeExports--;
    };
    return { knex: conn.exports, release };
  }

  async stop(): Promise<void> {
    await this.#link.stop();
  }

  #ready(): DbConnection {
    const conn = this.#link.connection;
    if (!conn) throw new StoreUnavailableError(`database is ${this.#link.state}`);
    return conn;
  }

  async #open(attempt: Attempt): Promise<DbConnection> {
    const conn: DbConnection = { main: undefined!, exports: undefined!, sockets: new Set(), closed: false };
    conn.main = this.#pool(conn, this.config.connections, false);
    conn.exports = this.#pool(conn, this.config.exportConnections, true);
    const abandon = (): void => void this.#close(conn);
    attempt.signal.addEventListener('abort', abandon);
    try {
      attempt.stage = 'creating the database';
      await this.#ensureDatabase();
      attempt.stage = 'running the migrations';
      const [, done] = (await conn.main.migrate.latest({ migrationSource })) as [number, string[]];
      if (done.length) this.log.info({ migrations: done }, 'database migrated');
      if (!this.#opened) {
        attempt.stage = 'reading the state at start';
        for (const f of this.#firstOpen) await f(conn.main);
        this.#opened = true;
      }
      return conn;
    } catch (err) {
      void this.#close(conn);
      this.log.error(
        { err: describe(err), host: this.config.host, db: this.config.database },
        'database not ready',
      );
      throw err;
    } finally {
      attempt.signal.removeEventListener('abort', abandon);
    }
  }

  /**
   * A knex pool whose every mysql2 connection is watched: a query not answered in
   * db.queryTimeoutMs drops the link. On the export pool only the first answer is bounded (a slow
   * reader pauses the row stream; the session's drain deadline bounds that).
   */
  #pool(conn: DbConnection, max: number, exporting: boolean): Knex {
    const { host, port, user, password, database, connectTimeoutMs, queryTimeoutMs } = this.config;
    return knexFactory({
      client: 'mysql2',
      connection: {
        host,
        port,
        user,
        password,
        database,
        charset: 'utf8mb4',
        timezone: 'Z',
        // The engine sends plain queries, never prepared statements; mysql2's default cache for them
        // (16,000 entries) preallocates ~0.5 MiB of heap per connection.
        maxPreparedStatements: 16,
        connectTimeout: connectTimeoutMs,
      },
      pool: {
        min: 0,
        max,
        afterCreate: (raw: RawConnection, done: (err: Error | null, raw: RawConnection) => void) => {
          if (conn.closed) {
            reset(raw);
            return done(new Error('database link dropped'), raw);
          }
          conn.sockets.add(raw);
          watch(raw, queryTimeoutMs, exporting, (sql) =>
            this.#link.drop(conn, `query not answered in ${queryTimeoutMs} ms (${sql})`),
          );
          done(null, raw);
        },
      },
      acquireConnectionTimeout: connectTimeoutMs,
      // knex writes its own warnings to the console (an acquire aborted by our drop, with a stack):
      // into the engine's log instead, at debug — the link's state change already says what happened.
      log: {
        warn: (message: unknown) => this.log.debug({ knex: String(message).slice(0, 300) }, 'knex warning'),
        error: (message: unknown) => this.log.warn({ knex: String(message).slice(0, 300) }, 'knex error'),
        deprecate: (method: string, alternative: string) =>
          this.log.debug({ method, alternative }, 'knex deprecation'),
        debug: () => undefined,
      },
    });
  }

  /** Resets every socket (queries in flight fail now, an open transaction never commits), then the pools. */
  async #close(conn: DbConnection): Promise<void> {
    conn.closed = true;
    for (const raw of conn.sockets) reset(raw);
    conn.sockets.clear();
    await Promise.allSettled([conn.main?.destroy(), conn.exports?.destroy()]);
  }

  async #ensureDatabase(): Promise<void> {
    const conn = await createConnection({
      host: this.config.host,
      port: this.config.port,
      user: this.config.user,
      password: this.config.password,
      connectTimeout: this.config.connectTimeoutMs,
    });
    try {
      // The name was checked by the config module ([A-Za-z0-9_]), so quoting it is enough.
      await bounded(
        conn.query(
          `CREATE DATABASE IF NOT EXISTS \`${this.config.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
        ),
        this.config.queryTimeoutMs,
        'CREATE DATABASE',
      );
    } finally {
      conn.destroy();
    }
  }
}

/** Wraps the connection's query() so that every query gets a deadline. */
function watch(
  raw: RawConnection,
  ms: number,
  firstAnswerOnly: boolean,
  stalled: (sql: string) => void,
): void {
  const query = raw.query.bind(raw);
  raw.query = (...args: unknown[]) => {
    const command = query(...args);
    const timer = setTimeout(() => stalled(sqlOf(args[0])), ms);
    timer.unref();
    const done = (): void => clearTimeout(timer);
    command.once('end', done);
    command.once('error', done);
    if (firstAnswerOnly) command.once('fields', done);
    return command;
  };
}

function reset(raw: RawConnection): void {
  try {
    if (raw.stream.resetAndDestroy) raw.stream.resetAndDestroy();
    else raw.stream.destroy();
  } catch {
    // already closed
  }
}

/** The statement's first words, for the log (never its values: they may be a guest's name). */
function sqlOf(arg: unknown): string {
  const sql = typeof arg === 'string' ? arg : String((arg as { sql?: unknown })?.sql ?? '');
  return sql.split(/\s+/).slice(0, 3).join(' ');
}

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`${what} not answered in ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
