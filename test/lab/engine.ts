// The engine as the lab tests run it: in this process, configured for the lab, started, AstDB
// re-synced, and a PMS client logged in as the front desk.
import assert from 'node:assert/strict';
import { createConnection, type Connection } from 'mysql2/promise';
import { PmsClient } from '../../src/client/pms-client.js';
import type { Config, DeepPartial } from '../../src/config/index.js';
import { Engine } from '../../src/engine.js';
import { pino } from 'pino';
import { silentLogger, type Logger } from '../../src/log.js';
import { labConfig, labEnv } from './lab.js';
import { waitFor } from '../support/wait.js';

export const FRONT_DESK = { user: 'frontdesk', password: 'lab-frontdesk', grade: 1 as const };

export interface LabEngine {
  engine: Engine;
  pms: PmsClient;
  port: number;
}

/** Starts the engine with `labConfig(values)` (front-desk account added), waits for its first re-sync, logs in. */
export async function startLabEngine(
  values: DeepPartial<Config> = {},
  log: Logger = process.env.PMS_TEST_LOG ? pino({ level: process.env.PMS_TEST_LOG }) : silentLogger(),
): Promise<LabEngine> {
  // The tests' PMS client does not heartbeat (a real PMS sends one every 5 s); a test that waits for
  // a call longer than the idle timeout would otherwise find its session closed by the engine.
  const engine = new Engine(
    labConfig({ accounts: [FRONT_DESK], session: { idleTimeoutSec: 0 }, ...values }),
    log,
  );
  // Bounded: an engine that never reaches Asterisk fails here, it does not hang the suite.
  const resynced = waitFor(engine, 'resynced', 60_000);
  const port = await engine.start();
  await resynced;
  const pms = await PmsClient.connect(port);
  const login = await pms.call([
    ['Action', 'UserLogin'],
    ['CallMethod', 'Account'],
    ['User', FRONT_DESK.user],
    ['Password', FRONT_DESK.password],
  ]);
  assert.equal(login.get('Response'), 'Success', login.get('Message'));
  return { engine, pms, port };
}

/** A connection to the lab's MariaDB with the engine's credentials (lab/lab.env). */
export function labDatabase(
  options: { database?: string; multipleStatements?: boolean } = {},
): Promise<Connection> {
  const env = labEnv();
  return createConnection({
    host: env.PMS_DB_HOST ?? '127.0.0.1',
    port: Number(env.PMS_DB_PORT ?? 3306),
    user: env.PMS_DB_USER ?? 'root',
    password: env.PMS_DB_PASSWORD ?? '',
    charset: 'utf8mb4',
    ...options,
  });
}
