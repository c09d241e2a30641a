// The lab's Galera cluster (lab/galera.sh) does what the failover tests of issue 16 rely on: three
// nodes in one primary component, a write on one node read on another, and a node SIGKILLed while
// writes go on elsewhere that rejoins by IST with every row. It starts the cluster itself (failing,
// never skipping, when it cannot) and always leaves it down (`lab/galera.sh down` in `after`).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import {
  galeraConnect,
  galeraDatabase,
  galeraDown,
  galeraKill,
  galeraNode,
  galeraNodes,
  galeraQuery,
  galeraStart,
  requireGalera,
  waitForCluster,
  type GaleraState,
} from '../lab/galera.js';

const TABLE = 'galera_lab';
/** The writer's bounds: it stops by itself, whatever happens to the test. */
const WRITES_MAX = 5_000;
const WRITES_MAX_MS = 150_000;
const WRITE_PAUSE_MS = 10;
/** A write that waits longer than this fails the test (the cluster stalls until it evicts the node). */
const WRITE_TIMEOUT_MS = 30_000;

let states: GaleraState[] = [];
let upMs = 0;
const open: Connection[] = [];

async function connect(n: number): Promise<Connection> {
  const conn = await galeraConnect(galeraNode(n), { database: galeraDatabase() });
  open.push(conn);
  return conn;
}

/** Rows of one run as a node sees them, after it applied everything committed before (causal read). */
async function runRows(conn: Connection, run: string): Promise<{ count: number; sum: number; max: number }> {
  await galeraQuery(conn, 'SET SESSION wsrep_sync_wait = 1');
  const [row] = await galeraQuery<RowDataPacket[]>(
    conn,
    `SELECT COUNT(*) AS count, COALESCE(SUM(seq), 0) AS sum, COALESCE(MAX(seq), 0) AS max FROM ${TABLE} WHERE run = ?`,
    [run],
  );
  return { count: Number(row!.count), sum: Number(row!.sum), max: Number(row!.max) };
}

before(async () => {
  const started = Date.now();
  states = await requireGalera();
  upMs = Date.now() - started;
  const conn = await connect(1);
  await galeraQuery(
    conn,
    `CREATE TABLE IF NOT EXISTS ${TABLE} (
       id BIGINT AUTO_INCREMENT PRIMARY KEY,
       run CHAR(36) NOT NULL,
       seq INT NOT NULL,
       written_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
       UNIQUE KEY run_seq (run, seq)
     ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4`,
  );
});

after(async () => {
  for (const conn of open) conn.destroy();
  await galeraDown();
});

test('lab/galera.sh up: three nodes, each Synced in one primary component of 3', { timeout: 60_000 }, (t) => {
  t.diagnostic(`lab/galera.sh up took ${upMs} ms`);
  assert.equal(states.length, 3);
  for (const s of states) {
    assert.equal(s.size, 3, `node ${s.n}: wsrep_cluster_size ${s.size}`);
    assert.equal(s.state, 'Synced', `node ${s.n}: ${s.state}`);
    assert.equal(s.status, 'Primary', `node ${s.n}: ${s.status}`);
  }
});

test('a row written on node 1 is read on node 3', { timeout: 60_000 }, async () => {
  const run = randomUUID();
  const n1 = await connect(1);
  const n3 = await connect(3);
  await galeraQuery(n1, `INSERT INTO ${TABLE} (run, seq) VALUES (?, 1)`, [run]);
  assert.deepEqual(await runRows(n3, run), { count: 1, sum: 1, max: 1 });
});

test(
  'node 2 SIGKILLed during writes on node 1: no write fails, 1 and 3 stay Primary, 2 rejoins by IST with every row',
  { timeout: 400_000 },
  async (t) => {
    const run = randomUUID();
    const writer = await connect(1);
    const node2 = galeraNode(2);
    let written = 0;
    let slowest = 0;
    const failures: string[] = [];
    let stop = false;
    const writeStart = Date.now();
    // One autocommit INSERT after another on node 1, bounded in count and time.
    const writes = (async () => {
      while (!stop && written < WRITES_MAX && Date.now() - writeStart < WRITES_MAX_MS) {
        const seq = written + 1;
        const t0 = Date.now();
        try {
          await galeraQuery(
            writer,
            `INSERT INTO ${TABLE} (run, seq) VALUES (?, ?)`,
            [run, seq],
            WRITE_TIMEOUT_MS,
          );
          written = seq;
        } catch (err) {
          failures.push(`write ${seq}: ${(err as Error).message}`);
          return;
        }
        slowest = Math.max(slowest, Date.now() - t0);
        await new Promise((r) => setTimeout(r, WRITE_PAUSE_MS));
      }
    })();
    const waitForWrites = async (count: number, what: string): Promise<void> => {
      const deadline = Date.now() + 60_000;
      while (written < count) {
        if (failures.length)
          throw new Error(`writes failed while waiting for ${what}: ${failures.join('; ')}`);
        if (Date.now() >= deadline)
          throw new Error(`only ${written} of ${count} writes within 60 s (${what})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    try {
      await waitForWrites(20, 'writes before the kill');
      const killedAt = Date.now();
      await galeraKill(2);
      const atKill = written;
      // The survivors evict node 2 (its sockets closed at once, or the suspect timeout) and keep the
      // quorum: 2 of 3.
      await waitForCluster([galeraNode(1), galeraNode(3)], 2, 60_000);
      const evictedMs = Date.now() - killedAt;
      // Writes node 2 misses and must get by IST.
      await waitForWrites(written + 50, 'writes while node 2 is down');
      const whileDown = written - atKill;

      const logBefore = statSync(node2.log).size;
      const startedAt = Date.now();
      await galeraStart(2);
      const rejoinMs = Date.now() - startedAt;
      await waitForCluster(galeraNodes(), 3, 60_000);
      await waitForWrites(written + 20, 'writes after node 2 rejoined');
      stop = true;
      await writes;
      t.diagnostic(
        `writes: ${written} (${whileDown} while node 2 was down), slowest ${slowest} ms; ` +
          `survivors at size 2 after ${evictedMs} ms; node 2 Synced again after ${rejoinMs} ms`,
      );
      assert.deepEqual(failures, [], 'every write on node 1 succeeded');

      // Every row on every node, node 2 included.
      const expected = { count: written, sum: (written * (written + 1)) / 2, max: written };
      for (const n of [1, 2, 3]) {
        assert.deepEqual(await runRows(await connect(n), run), expected, `node ${n} holds every row`);
      }
      // By IST, from the position node 2 recovered: no full state transfer.
      const restartLog = readFileSync(node2.log).subarray(logBefore).toString('utf8');
      assert.match(restartLog, /IST received/, `node 2 received no IST, see ${node2.log}`);
      assert.doesNotMatch(
        restartLog,
        /Proceeding with SST|Streaming the backup/,
        `node 2 took a full SST, see ${node2.log}`,
      );
    } finally {
      stop = true;
      await writes;
    }
  },
);
