// The engine's database (knex + mysql2 on MySQL/MariaDB): created if missing, migrated at start, and
// the source of truth for room state. Explicit state like every link; `start()` retries with capped
// backoff until the database answers, so an engine started before its database still comes up.
import { EventEmitter } from 'node:events';
import knexFactory, { type Knex } from 'knex';
import { createConnection } from 'mysql2/promise';
import type { Logger } from 'pino';
import type { BackoffConfig, Config } from '../config/index.js';
import { backoffDelay } from '../links/backoff.js';
import { StoreUnavailableError } from '../errors.js';
import { migrationSource } from './migrations/index.js';

export type StoreState = 'connecting' | 'ready' | 'reconnecting' | 'end';

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
  'ER_CON_COUNT_ERROR',
  'ER_ACCESS_DENIED_ERROR',
  'ER_SERVER_SHUTDOWN',
]);

export function isTransportError(err: unknown): boolean {
  const e = err as { code?: string; name?: string; fatal?: boolean };
  return TRANSPORT_CODES.has(e?.code ?? '') || e?.name === 'KnexTimeoutError' || e?.fatal === true;
}

export class Store extends EventEmitter<StoreEvents> {
  readonly knex: Knex;
  private _state: StoreState = 'connecting';
  private stopped = false;

  constructor(
    private readonly config: Config['db'],
    private readonly log: Logger,
  ) {
    super();
    this.knex = knexFactory({
      client: 'mysql2',
      connection: {
        host: config.host,
        port: config.port,
        user: config.user,
        password: config.password,
        database: config.database,
        charset: 'utf8mb4',
        timezone: 'Z',
        connectTimeout: config.connectTimeoutMs,
      },
      pool: { min: 0, max: 10 },
      acquireConnectionTimeout: config.connectTimeoutMs,
    });
  }

  get state(): StoreState {
    return this._state;
  }

  /**
   * Creates the database if needed and runs the migrations; on failure waits (capped exponential
   * backoff) and tries again until it succeeds or `stop()` is called.
   */
  async start(backoff: BackoffConfig = { initialDelayMs: 500, maxDelayMs: 15_000 }): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.ensureDatabase();
        const [, done] = (await this.knex.migrate.latest({ migrationSource })) as [number, string[]];
        if (done.length) this.log.info({ migrations: done }, 'database migrated');
        this.setState('ready');
        this.emit('ready');
        return;
      } catch (err) {
        if (this.stopped) return;
        const delay = backoffDelay(attempt, backoff);
        this.setState('reconnecting');
        this.log.error(
          {
            err: (err as Error).message,
            attempt,
            retryInMs: delay,
            host: this.config.host,
            db: this.config.database,
          },
          'database not ready; retrying',
        );
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
  }

  /** Runs queries; a database that cannot be reached becomes StoreUnavailableError. */
  async run<T>(fn: (knex: Knex) => Promise<T>): Promise<T> {
    if (this._state !== 'ready') throw new StoreUnavailableError(`database is ${this._state}`);
    try {
      return await fn(this.knex);
    } catch (err) {
      if (isTransportError(err)) throw new StoreUnavailableError((err as Error).message, err);
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.setState('end');
    await this.knex.destroy();
  }

  private async ensureDatabase(): Promise<void> {
    const conn = await createConnection({
      host: this.config.host,
      port: this.config.port,
      user: this.config.user,
      password: this.config.password,
      connectTimeout: this.config.connectTimeoutMs,
    });
    try {
      // The name was checked by the config module ([A-Za-z0-9_]), so quoting it is enough.
      await conn.query(
        `CREATE DATABASE IF NOT EXISTS \`${this.config.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
    } finally {
      await conn.end();
    }
  }

  private setState(next: StoreState): void {
    const prev = this._state;
    if (prev === next) return;
    this._state = next;
    this.log.info({ link: 'db', state: next, previous: prev }, 'database link state');
    this.emit('state', next, prev);
  }
}
