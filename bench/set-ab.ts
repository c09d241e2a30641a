// Two builds of the engine side by side in one run, their ExtenName Sets interleaved (A, B, B, A, …),
// so that both meet the same noise of a shared machine: the A/B for a change whose effect is smaller
// than what separates two runs of bench/pms-commands.ts. Prints each build's p50 and p90.
//
//   A=<checkout>/dist/src/main.js B=dist/src/main.js npx tsx bench/set-ab.ts [samples=3000]
//
// Needs the lab (make lab-up). Each engine has its own database (pms_ab0, pms_ab1, dropped first),
// Stasis application, PMS port (15080, 15081) and 1,000 rooms (10000–10999, 11000–11999), and is
// measured once it has re-synced AstDB. Run A against A once to see what the harness itself gives (it
// was 1.5% on the lab).
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PmsClient } from '../src/client/pms-client.js';
import { LAB_DIR } from '../test/lab/lab.js';
import { benchEngineEnv, startEngineProcess, type EngineProcess } from './lib/engine-process.js';
import { percentile } from './lib/stats.js';

const SAMPLES = Number(process.argv[2] ?? 3_000);
const ACCOUNT = { user: 'bench', password: 'bench-pms-pass', grade: 1 };
const RESYNC_DEADLINE_MS = 60_000;

interface Side {
  name: string;
  engine: EngineProcess;
  pms: PmsClient;
  first: number;
  ms: number[];
}

async function start(i: number, main: string): Promise<Side> {
  const first = 10_000 + i * 1_000;
  const port = 15_080 + i;
  const env = await benchEngineEnv({
    database: `pms_ab${i}`,
    rooms: `${first}-${first + 999}`,
    port,
    ariApp: `pms-ab${i}-${process.pid}`,
    account: ACCOUNT,
  });
  const engine = await startEngineProcess(
    { ...env, PMS_HTTP_ENABLED: 'false' },
    resolve(LAB_DIR, 'run', `set-ab-${i}.log`),
    resolve(main),
  );
  try {
    // Measured once its links are up and AstDB re-synced, as a hotel's engine runs.
    await engine.logged(/^AstDB re-synced from the store$/, RESYNC_DEADLINE_MS);
    const pms = await PmsClient.connect(port);
    const login = await pms.call([
      ['Action', 'UserLogin'],
      ['CallMethod', 'Account'],
      ['User', ACCOUNT.user],
      ['Password', ACCOUNT.password],
    ]);
    if (login.get('Response') !== 'Success') throw new Error(`login: ${login.get('Message')}`);
    return { name: i ? 'B' : 'A', engine, pms, first, ms: [] };
  } catch (err) {
    await engine.stop();
    throw err;
  }
}

async function main(): Promise<void> {
  const [a, b] = [process.env.A, process.env.B];
  if (!a || !b) throw new Error('A=<path to dist/src/main.js> B=<path> npx tsx bench/set-ab.ts');
  const sides: Side[] = [];
  try {
    sides.push(await start(0, a), await start(1, b));
    for (let i = 0; i < SAMPLES; i++) {
      for (const side of i % 2 ? [sides[1]!, sides[0]!] : sides) {
        const t = performance.now();
        const r = await side.pms.call(
          [
            ['Action', 'Set'],
            ['CallMethod', 'ExtenName'],
            ['Phone', String(side.first + (i % 1_000))],
            ['Name', `Set ${i}`],
          ],
          30_000,
        );
        if (r.get('Response') !== 'Success') throw new Error(`${side.name}: ${r.get('Message')}`);
        side.ms.push(performance.now() - t);
      }
    }
    for (const s of sides)
      console.log(
        `${s.name} ExtenName Set p50 ${percentile(s.ms, 50).toFixed(3)} ms, p90 ${percentile(s.ms, 90).toFixed(3)} ms (${s.ms.length} samples)`,
      );
    const ratio = percentile(sides[1]!.ms, 50) / percentile(sides[0]!.ms, 50);
    console.log(`B/A p50 ${ratio.toFixed(3)}`);
  } finally {
    for (const s of sides) {
      s.pms.close();
      await s.engine.stop();
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
