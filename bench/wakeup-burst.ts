// Wake-up burst benchmark on the REAL lab: every room of a hotel asked for the same minute, through
// the PMS protocol, rung through real Asterisk channels (Local/<room>@lab-wakeup-route: pretend
// guests that answer, listen and hang up, plus the lab phone 8001 for real). It prints what it
// measured: answered at the first attempt, retried, lost; each first attempt's lateness against its
// paced slot; the peak number of channels Asterisk reported. The floor is measured in the same run:
// a bare ARI request and a bare MariaDB transaction, each timed 200 times.
//
//   npx tsx bench/wakeup-burst.ts [rooms=500] [maxConcurrent=default] [perSecond=default]
//
// Needs the lab (make lab-up). Uses its own database (pms_wakeup_bench), dropped at the start.
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/index.js';
import { describeBurst, pct, runBurst } from '../test/lab/burst.js';
import { labDatabase } from '../test/lab/engine.js';
import { labAri, requireLab } from '../test/lab/lab.js';

const defaults = loadConfig({ env: {}, only: ['wakeup'] }).wakeup;
const ROOMS = Number(process.argv[2] ?? 500);
const MAX_CONCURRENT = Number(process.argv[3] ?? defaults.maxConcurrentCalls);
const PER_SECOND = Number(process.argv[4] ?? defaults.callsPerSecond);

async function floor(): Promise<string> {
  const ari: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    const r = await labAri('/asterisk/info?only=status', 5000);
    await r.arrayBuffer();
    ari.push(performance.now() - t);
  }
  const db = await labDatabase();
  await db.query('CREATE DATABASE IF NOT EXISTS pms_wakeup_bench_floor');
  await db.query(
    'CREATE TABLE IF NOT EXISTS pms_wakeup_bench_floor.t (id INT AUTO_INCREMENT PRIMARY KEY, v BIGINT)',
  );
  const sql: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await db.beginTransaction();
    const [res] = await db.query('INSERT INTO pms_wakeup_bench_floor.t (v) VALUES (?)', [i]);
    await db.query('UPDATE pms_wakeup_bench_floor.t SET v = v + 1 WHERE id = ?', [
      (res as { insertId: number }).insertId,
    ]);
    await db.commit();
    sql.push(performance.now() - t);
  }
  await db.query('DROP DATABASE pms_wakeup_bench_floor');
  await db.end();
  const f = (xs: number[]): string => {
    const s = [...xs].sort((a, b) => a - b);
    return `p50 ${pct(s, 0.5).toFixed(2)} ms, p99 ${pct(s, 0.99).toFixed(2)} ms`;
  };
  return `floor: bare ARI GET ${f(ari)}; bare MariaDB insert+update transaction ${f(sql)}`;
}

async function main(): Promise<void> {
  await requireLab();
  console.log(await floor());
  // 8001 is a real lab phone (auto answer); the others are pretend guests (9xxx listen, no key).
  const rooms = ['8001', ...Array.from({ length: ROOMS - 1 }, (_, i) => String(9000 + i))];
  const { lab, figures } = await runBurst({
    rooms,
    hotelRooms: `8001-8005,9000-${9000 + Math.max(ROOMS, 2)}`,
    database: 'pms_wakeup_bench',
    wakeup: { maxConcurrentCalls: MAX_CONCURRENT, callsPerSecond: PER_SECOND },
    deadlineSeconds: 60 + ROOMS / PER_SECOND + 120,
  });
  console.log(describeBurst(figures, lab.engine.config.wakeup));
  const http = lab.engine.ari.httpStats();
  if (http)
    console.log(
      `ARI REST pool: ${http.requests} requests, ${http.retries} retried, ${http.failures} failed, peak ${http.peakSockets} sockets`,
    );
  await lab.pms.close();
  await lab.engine.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
