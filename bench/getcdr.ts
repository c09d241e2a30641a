// GetCDR benchmark (seed 000 §5.4.10): a call-record table of 1,000,000 synthetic rows over the 12
// months of 2025, an engine in this process reading it, and a PMS client on TCP that counts what it
// receives without keeping it. Prints plain lines: fill time, query times, messages/records, memory.
//
//   npx tsx bench/getcdr.ts
//
// Needs MariaDB (lab/lab.env's PMS_DB_*) and, for the engine's start-up, the lab (`make lab-up`).
// The table asteriskcdrdb_bench.cdr is filled once; a re-run with exactly 1,000,000 rows reuses it.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { CdrFilter } from '../src/cdr/query.js';
import { Engine } from '../src/engine.js';
import { silentLogger } from '../src/log.js';
import { FrameParser, serialize, type FieldList, type Frame } from '../src/protocol/index.js';
import { LAB_DIR, labConfig } from '../test/lab/lab.js';
import { labDatabase } from '../test/lab/engine.js';

const DATABASE = 'asteriskcdrdb_bench';
const ROWS = 1_000_000;
const BATCH = 5_000;
const PARALLEL = 4;
const YEAR_START = Date.UTC(2025, 0, 1);
const YEAR_SECONDS = 365 * 86_400;
const MONTH: [string, string] = ['2025-03-01 00:00:00', '2025-03-31 23:59:59'];
const YEAR: [string, string] = ['2025-01-01 00:00:00', '2025-12-31 23:59:59'];
const WHOLE_TABLE_DEADLINE_MS = 180_000;
const ROOM = '8042';
const PAGE_RUNS = 5;
const CDR_SQL = readFileSync(resolve(LAB_DIR, '../asterisk-conf/sql/cdr.sql'), 'utf8');

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const millis = (t: number): string => `${t.toFixed(1)} ms`;

/** Row i of the synthetic table: every ~31.5 s over 2025, rooms 8001–8100, every kind of call. */
function row(i: number): string {
  const t = new Date(YEAR_START + Math.floor((i * YEAR_SECONDS) / ROWS) * 1000);
  const calldate = `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
  const room = String(8001 + ((i * 7919) % 100));
  const n = String(i % 100_000_000).padStart(8, '0');
  const kind = i % 10;
  const dst =
    kind <= 3
      ? String(8001 + ((i * 31) % 100))
      : kind === 4
        ? `7${n.slice(0, 3)}`
        : kind <= 6
          ? `9${n}`
          : kind === 7
            ? `90512${n}`
            : kind === 8
              ? `9010${n}`
              : `90044${n}`;
  const inbound = i % 13 === 0;
  const src = inbound ? `139${n}` : room;
  const to = inbound ? room : dst;
  const disposition = ['ANSWERED', 'ANSWERED', 'ANSWERED', 'ANSWERED', 'ANSWERED', 'NO ANSWER', 'BUSY'][
    i % 7
  ]!;
  const duration = 5 + (i % 600);
  const billsec = disposition === 'ANSWERED' ? duration - (i % 20) : 0;
  const hex = (i & 0xffffffff).toString(16).padStart(8, '0');
  const channel = inbound ? `PJSIP/carrier-${hex}` : `PJSIP/${room}-${hex}`;
  const dstchannel =
    kind <= 3 || inbound ? `PJSIP/${to}-${hex}` : `Local/${dst.slice(1)}@lab-trunk-far-${hex};1`;
  return `('${calldate}','${src}','${to}','${channel}','${dstchannel}',${duration},${billsec},'${disposition}','bench.${i}')`;
}

function database(): Promise<Connection> {
  return labDatabase({ multipleStatements: true });
}

/** Fills the table unless it already has exactly ROWS rows. */
async function fill(): Promise<void> {
  const conn = await database();
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${DATABASE} CHARACTER SET utf8mb4`);
    await conn.query(`USE ${DATABASE}`);
    const [exists] = await conn.query<RowDataPacket[]>(`SHOW TABLES LIKE 'cdr'`);
    if (exists.length) {
      const [[count]] = (await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM cdr')) as [
        RowDataPacket[],
        unknown,
      ];
      if (Number(count!.n) === ROWS) {
        // cdr.sql again: a table filled before it gained an index gets it, as an install would.
        const started = performance.now();
        await conn.query(CDR_SQL);
        console.log(
          `fill: skipped, ${DATABASE}.cdr already has ${ROWS} rows; cdr.sql run on it in ${secs(performance.now() - started)}`,
        );
        return;
      }
      await conn.query('DROP TABLE cdr');
    }
    await conn.query(CDR_SQL);
  } finally {
    await conn.end();
  }
  const started = performance.now();
  const conns = await Promise.all(Array.from({ length: PARALLEL }, () => database()));
  let next = 0;
  await Promise.all(
    conns.map(async (c) => {
      await c.query(`USE ${DATABASE}`);
      await c.query('SET SESSION unique_checks = 0');
      for (;;) {
        const from = next;
        next += BATCH;
        if (from >= ROWS) break;
        const values: string[] = [];
        for (let i = from; i < Math.min(from + BATCH, ROWS); i++) values.push(row(i));
        await c.query(
          'INSERT INTO cdr (calldate, src, dst, channel, dstchannel, duration, billsec, disposition, uniqueid) VALUES ' +
            values.join(','),
        );
      }
      await c.end();
    }),
  );
  console.log(
    `fill: ${ROWS} rows in ${secs(performance.now() - started)} (${PARALLEL} connections, ${BATCH} rows per INSERT)`,
  );
}

/** A PMS client that counts messages and records of an answer without keeping them. */
class CountingClient {
  private readonly parser = new FrameParser({ maxFrameBytes: 16 * 1024 * 1024 });
  private onFrame: (f: Frame) => void = () => undefined;
  private seq = 0;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const r of this.parser.push(chunk)) if (r.ok) this.onFrame(r.frame);
    });
  }

  static async connect(port: number): Promise<CountingClient> {
    const socket = connect({ port, host: '127.0.0.1' });
    await once(socket, 'connect');
    return new CountingClient(socket);
  }

  /** Sends a request; resolves when the message with Islast 1 (or a single reply) has arrived. */
  ask(
    fields: FieldList,
    timeoutMs: number,
  ): Promise<{ messages: number; records: number; total: string; first?: Frame; done: boolean }> {
    const seqId = `b${++this.seq}`;
    const out = { messages: 0, records: 0, total: '', first: undefined as Frame | undefined, done: false };
    return new Promise((resolvePromise) => {
      const timer = setTimeout(() => {
        this.onFrame = () => undefined;
        resolvePromise(out);
      }, timeoutMs);
      this.onFrame = (f) => {
        if (f.get('SeqID') !== seqId) return;
        out.messages++;
        out.first ??= f;
        out.total = f.get('Total') ?? '';
        out.records += Number(f.get('Sum') ?? 0);
        if (f.get('Islast') !== '0') {
          clearTimeout(timer);
          out.done = true;
          resolvePromise(out);
        }
      };
      this.socket.write(serialize([['ServiceType', 'PMS'], ...fields, ['SeqID', seqId]]));
    });
  }
}

/** Samples process.memoryUsage every 50 ms; returns the peaks when stopped. */
function sampleMemory(): () => { rss: number; heapUsed: number } {
  const peak = { rss: 0, heapUsed: 0 };
  const take = (): void => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
  };
  take();
  const timer = setInterval(take, 50);
  return () => {
    clearInterval(timer);
    take();
    return peak;
  };
}

async function main(): Promise<void> {
  await fill();
  const engine = new Engine(
    labConfig({
      hotel: { timeZone: 'UTC' },
      accounts: [{ user: 'bench', password: 'bench', grade: 1 }],
      cdr: {
        database: DATABASE,
        timeZone: 'UTC',
        trunks: ['lab-trunk-far', 'carrier'],
        maxRecordsPerMessage: 50,
      },
    }),
    silentLogger(),
  );
  const port = await engine.start();
  if (engine.store.state !== 'ready') await once(engine.store, 'ready');
  const client = await CountingClient.connect(port);
  const login = await client.ask(
    [
      ['Action', 'UserLogin'],
      ['CallMethod', 'Account'],
      ['User', 'bench'],
      ['Password', 'bench'],
    ],
    10_000,
  );
  if (login.first?.get('Response') !== 'Success') throw new Error('login failed');

  const query = (range: [string, string], extra: FieldList = []): FieldList => [
    ['Action', 'Query'],
    ['CallMethod', 'GetCDR'],
    ['StartTime', range[0]],
    ['EndTime', range[1]],
    ...extra,
  ];
  const timed = async (
    what: string,
    fields: FieldList,
    timeoutMs = 60_000,
    memory = false,
  ): Promise<{ ms: number; records: number; done: boolean }> => {
    global.gc?.();
    const before = process.memoryUsage();
    const stop = memory ? sampleMemory() : undefined;
    const started = performance.now();
    const r = await client.ask(fields, timeoutMs);
    const ms = performance.now() - started;
    const response = r.first?.get('Response');
    if (response !== 'Success')
      console.log(`${what}: ${response ?? 'no reply'} ${r.first?.get('Message') ?? ''}`);
    const rate =
      r.records > 1000 ? `, ${Math.round(r.records / (ms / 1000)).toLocaleString('en')} records/s` : '';
    console.log(
      `${what}: ${r.done ? secs(ms) : `NOT FINISHED within ${secs(timeoutMs)}`}, Total ${r.total}, ` +
        `${r.messages} messages, ${r.records} records${r.done ? rate : ''}`,
    );
    if (stop) {
      const peak = stop();
      console.log(
        `${what}: memory before RSS ${mb(before.rss)} heap ${mb(before.heapUsed)}; ` +
          `peak during RSS ${mb(peak.rss)} heap ${mb(peak.heapUsed)}`,
      );
    }
    return { ms, records: r.records, done: r.done };
  };
  /** The median of PAGE_RUNS answers (a single one is at the mercy of a scheduler tick). */
  const median = async (what: string, fields: FieldList): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < PAGE_RUNS; i++) times.push((await timed(`${what} run ${i + 1}`, fields)).ms);
    times.sort((x, y) => x - y);
    const mid = times[Math.floor(PAGE_RUNS / 2)]!;
    console.log(
      `${what}: median of ${PAGE_RUNS} ${millis(mid)} (min ${millis(times[0]!)}, max ${millis(times.at(-1)!)})`,
    );
    return mid;
  };
  /** EXPLAIN of the count and the row query the engine runs for this request. */
  const explain = async (what: string, filter: CdrFilter, page?: { offset: number; limit: number }) => {
    const plan = await engine.cdr.explain(filter, page);
    for (const [query, rows] of [
      ['count', plan.count],
      ['rows', plan.rows],
    ] as const)
      for (const r of rows)
        console.log(
          `explain ${what}, ${query}: type ${r.type}, key ${r.key ?? 'none'}, rows ${r.rows}, ${r.Extra ?? ''}`,
        );
  };

  const page: FieldList = [
    ['PageCnt', '50'],
    ['PageNo', '1'],
  ];
  const month: CdrFilter = { from: MONTH[0], to: MONTH[1] };
  // The first request also opens the engine's database connection; run it once unmeasured.
  await client.ask(query(MONTH, page), 60_000);
  await explain(`page SrcNum ${ROOM}`, { ...month, src: [ROOM] }, { offset: 0, limit: 50 });
  await explain('page no SrcNum', month, { offset: 0, limit: 50 });
  await explain('page PageNo 1000', month, { offset: 49_950, limit: 50 });
  await explain('export (one month)', month, { offset: 0, limit: await engine.cdr.count(month) });
  const filtered = await median(
    `page (one month, PageCnt 50, PageNo 1, SrcNum ${ROOM})`,
    query(MONTH, [...page, ['SrcNum', ROOM]]),
  );
  const unfiltered = await median('page (one month, PageCnt 50, PageNo 1, no SrcNum)', query(MONTH, page));
  await median(
    'page (one month, PageCnt 50, PageNo 1000, no SrcNum)',
    query(MONTH, [
      ['PageCnt', '50'],
      ['PageNo', '1000'],
    ]),
  );
  const monthExport = await timed('export (one month)', query(MONTH), 120_000, true);
  await timed('export (whole table, 12 months)', query(YEAR), WHOLE_TABLE_DEADLINE_MS, true);

  // The issue's goals, from the figures above.
  const goal = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  const ratio = filtered / unfiltered;
  console.log(`goal: page with SrcNum / page without ${ratio.toFixed(2)}× (≤ 2×): ${goal(ratio <= 2)}`);
  console.log(
    `goal: page with SrcNum ${millis(filtered)}, without ${millis(unfiltered)} (each ≤ 50 ms): ` +
      goal(filtered <= 50 && unfiltered <= 50),
  );
  const rate = monthExport.done ? monthExport.records / (monthExport.ms / 1000) : 0;
  console.log(
    `goal: one-month export ${Math.round(rate).toLocaleString('en')} records/s (≥ 50,000): ${goal(rate >= 50_000)}`,
  );

  client.socket.destroy();
  await engine.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
