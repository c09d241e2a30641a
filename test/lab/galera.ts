// The lab's three-node MariaDB Galera cluster (lab/galera.sh) for the failover tests: the nodes'
// addresses from lab/lab.env, the script's commands with a deadline, and each node's wsrep state read
// through mysql2 with connect and query timeouts. Login: root without password, like the main MariaDB.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { LAB_DIR, labEnv } from './lab.js';

/** lab/galera.sh up from nothing installs packages and initialises three datadirs. */
const UP_TIMEOUT_MS = 300_000;
/** Joining includes a state transfer (IST, or SST for a node whose writes left the gcache). */
const START_TIMEOUT_MS = 180_000;
const DOWN_TIMEOUT_MS = 200_000;
const CONNECT_TIMEOUT_MS = 3_000;
const QUERY_TIMEOUT_MS = 10_000;
const POLL_MS = 250;

export interface GaleraNode {
  /** 1, 2 or 3: what lab/galera.sh kill|start|stop N take. */
  n: number;
  host: string;
  /** The SQL port (LAB_GALERA_PORTS). */
  port: number;
  /** lab/run/galera/<n>/mariadb.log: the node's error log (state transfers, view changes). */
  log: string;
}

/** The cluster's nodes, from LAB_GALERA_PORTS. */
export function galeraNodes(env = labEnv()): GaleraNode[] {
  const ports = (env.LAB_GALERA_PORTS ?? '').split(',').map(Number);
  if (ports.length !== 3 || ports.some((p) => !Number.isInteger(p) || p <= 0))
    throw new Error(`lab/lab.env: LAB_GALERA_PORTS must be three ports, got ${env.LAB_GALERA_PORTS}`);
  return ports.map((port, i) => ({
    n: i + 1,
    host: '127.0.0.1',
    port,
    log: resolve(LAB_DIR, 'run/galera', String(i + 1), 'mariadb.log'),
  }));
}

/** One node by its number. */
export function galeraNode(n: number): GaleraNode {
  const node = galeraNodes()[n - 1];
  if (!node) throw new Error(`no Galera node ${n}`);
  return node;
}

/** The first database lab/galera.sh creates on the cluster (LAB_GALERA_DATABASES). */
export function galeraDatabase(env = labEnv()): string {
  const db = (env.LAB_GALERA_DATABASES ?? '').split(',')[0];
  if (!db) throw new Error('lab/lab.env has no LAB_GALERA_DATABASES');
  return db;
}

/** Runs `bash lab/galera.sh ARGS…`; rejects with its output when it fails or misses the deadline. */
export function galeraScript(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((done, fail) => {
    execFile(
      'bash',
      [resolve(LAB_DIR, 'galera.sh'), ...args],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return done(stdout);
        const why = err.killed ? `no answer within ${timeoutMs} ms` : err.message.split('\n')[0];
        fail(
          new Error(`lab/galera.sh ${args.join(' ')}: ${why}\n${`${stdout}${stderr}`.trim().slice(-4000)}`),
        );
      },
    );
  });
}

/** Starts what does not run and waits until the three nodes are Synced (idempotent). */
export function galeraUp(timeoutMs = UP_TIMEOUT_MS): Promise<string> {
  return galeraScript(['up'], timeoutMs);
}

export function galeraDown(timeoutMs = DOWN_TIMEOUT_MS): Promise<string> {
  return galeraScript(['down'], timeoutMs);
}

/** SIGKILLs node N (a crash) and returns once its process is gone. */
export function galeraKill(n: number): Promise<string> {
  return galeraScript(['kill', String(n)], 30_000);
}

/** Starts node N again; resolves once it has rejoined, Synced. */
export function galeraStart(n: number, timeoutMs = START_TIMEOUT_MS): Promise<string> {
  return galeraScript(['start', String(n)], timeoutMs);
}

/**
 * A connection to one node. A node the test kills drops its connections: the error event is taken
 * here, and the next query on that connection rejects.
 */
export async function galeraConnect(
  node: GaleraNode,
  options: { database?: string; connectTimeoutMs?: number } = {},
): Promise<Connection> {
  const conn = await createConnection({
    host: node.host,
    port: node.port,
    user: 'root',
    password: '',
    charset: 'utf8mb4',
    connectTimeout: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    ...(options.database ? { database: options.database } : {}),
  });
  conn.on('error', () => undefined);
  return conn;
}

/** A query with a deadline (mysql2 closes the connection when it is missed). */
export async function galeraQuery<T extends RowDataPacket[]>(
  conn: Connection,
  sql: string,
  values: unknown[] = [],
  timeoutMs = QUERY_TIMEOUT_MS,
): Promise<T> {
  const [rows] = await conn.query<T>({ sql, values, timeout: timeoutMs });
  return rows;
}

export interface GaleraState {
  n: number;
  /** wsrep_local_state_comment: Synced, Joining, Donor/Desynced, … */
  state: string;
  /** wsrep_cluster_size: the nodes of this node's component. */
  size: number;
  /** wsrep_cluster_status: Primary, or non-Primary when this node lost the quorum. */
  status: string;
  /** wsrep_ready: whether the node accepts queries. */
  ready: boolean;
}

/** One node's wsrep state, on a connection of its own. */
export async function galeraState(node: GaleraNode, timeoutMs = QUERY_TIMEOUT_MS): Promise<GaleraState> {
  const conn = await galeraConnect(node);
  try {
    const rows = await galeraQuery<RowDataPacket[]>(
      conn,
      `SELECT VARIABLE_NAME AS name, VARIABLE_VALUE AS value FROM information_schema.GLOBAL_STATUS
       WHERE VARIABLE_NAME IN ('WSREP_LOCAL_STATE_COMMENT', 'WSREP_CLUSTER_SIZE', 'WSREP_CLUSTER_STATUS', 'WSREP_READY')`,
      [],
      timeoutMs,
    );
    const v = new Map(rows.map((r) => [String(r.name).toUpperCase(), String(r.value)]));
    return {
      n: node.n,
      state: v.get('WSREP_LOCAL_STATE_COMMENT') ?? '',
      size: Number(v.get('WSREP_CLUSTER_SIZE') ?? 0),
      status: v.get('WSREP_CLUSTER_STATUS') ?? '',
      ready: v.get('WSREP_READY') === 'ON',
    };
  } finally {
    conn.destroy();
  }
}

function describe(s: GaleraState | Error): string {
  return s instanceof Error ? s.message : `node ${s.n} ${s.state} ${s.status} size ${s.size}`;
}

/**
 * Waits until every node of `nodes` is Synced, ready, in a primary component of `size` nodes; throws
 * with the last states seen when the deadline passes. Returns the states.
 */
export async function waitForCluster(
  nodes: GaleraNode[],
  size: number,
  timeoutMs = 60_000,
): Promise<GaleraState[]> {
  const deadline = Date.now() + timeoutMs;
  let last: (GaleraState | Error)[] = [];
  for (;;) {
    last = await Promise.all(
      nodes.map((node) =>
        galeraState(node).catch((err: Error) => new Error(`node ${node.n}: ${err.message}`)),
      ),
    );
    const ok = last.every(
      (s) =>
        !(s instanceof Error) && s.state === 'Synced' && s.ready && s.status === 'Primary' && s.size === size,
    );
    if (ok) return last as GaleraState[];
    if (Date.now() >= deadline)
      throw new Error(
        `Galera nodes ${nodes.map((n) => n.n).join(', ')} not Synced in a primary component of ${size} ` +
          `within ${timeoutMs} ms: ${last.map(describe).join('; ')}`,
      );
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Brings the cluster up (lab/galera.sh up) and checks its three nodes through SQL. */
export async function requireGalera(timeoutMs = UP_TIMEOUT_MS): Promise<GaleraState[]> {
  await galeraUp(timeoutMs);
  return waitForCluster(galeraNodes(), 3, 30_000);
}
