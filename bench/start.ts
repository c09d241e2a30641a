// Start-up benchmark (issue 15): the compiled engine, `node dist/src/main.js`, as a hotel starts it.
// Times spawn → the "PMS server listening" log line, waits for its links (AMI, ARI, database) and the
// AstDB re-sync, then reads its resident memory (VmRSS) once it has settled, and stops it (SIGTERM).
//
//   npx tsx bench/start.ts [runs=5]
//
// Needs the lab (`make lab-up`); builds dist/ first (npm run build). Its engine uses its own database,
// Stasis application, PMS port, rooms (9901–9905: no lab phone, no test uses them) and voicemail files,
// so it disturbs no other engine on the lab. Prints median and max of the runs, then where the time and
// memory go up to listening (one more start, its modules imported one group at a time).
//
// measureStart() is exported for the other benchmarks.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { labEnv } from '../test/lab/lab.js';

const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface StartFigures {
  /** Spawn → the "PMS server listening" line on its stdout, per run. */
  listenMs: number[];
  /** VmRSS once the engine is idle: `idleMs` after its links are up and AstDB re-synced, per run. */
  idleRssMiB: number[];
  /** Spawn → AMI, ARI and database ready and AstDB re-synced, per run. */
  readyMs: number[];
  /** VmRSS 1 s after that, before V8 has shrunk its heap, per run. */
  readyRssMiB: number[];
}

export interface StartOptions {
  /** The checkout whose dist/src/main.js runs. Default: this repository. */
  cwd?: string;
  /**
   * How long after ready the idle RSS is read. Default 30 s: V8 gives back the young generation it
   * grew while loading the modules some 8–25 s after start (measured: ~86 → ~76 MiB on the lab).
   */
  idleMs?: number;
}

/** The log lines that mean "up": every link ready and the store written back into AstDB. */
const READY_LINES = [
  'AMI link ready',
  'ARI link ready',
  'database link ready',
  'AstDB re-synced from the store',
];
const READY_DEADLINE_MS = 30_000;
const EXIT_DEADLINE_MS = 10_000;

/**
 * Starts `node dist/src/main.js` `runs` times, one after the other, with exactly `env` (plus PATH and
 * PMS_LOG_LEVEL=info; PMS_LOG_PRETTY removed: the lines are read as JSON).
 */
export async function measureStart(
  env: Record<string, string>,
  runs: number,
  options: StartOptions = {},
): Promise<StartFigures> {
  const figures: StartFigures = { listenMs: [], idleRssMiB: [], readyMs: [], readyRssMiB: [] };
  for (let i = 0; i < runs; i += 1) {
    const run = await startOnce(env, options);
    figures.listenMs.push(run.listenMs);
    figures.idleRssMiB.push(run.idleRssMiB);
    figures.readyMs.push(run.readyMs);
    figures.readyRssMiB.push(run.readyRssMiB);
  }
  return figures;
}

interface Run {
  listenMs: number;
  readyMs: number;
  readyRssMiB: number;
  idleRssMiB: number;
}

async function startOnce(env: Record<string, string>, options: StartOptions): Promise<Run> {
  const cwd = options.cwd ?? REPO_DIR;
  const idleMs = options.idleMs ?? 30_000;
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '', ...env, PMS_LOG_LEVEL: 'info' };
  delete childEnv.PMS_LOG_PRETTY;
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = logLines(child);
  try {
    const listen = await lines.first((msg) => msg === 'PMS server listening', READY_DEADLINE_MS);
    const seen = new Set<string>();
    const ready = await lines.first((msg) => {
      if (READY_LINES.includes(msg)) seen.add(msg);
      return seen.size === READY_LINES.length;
    }, READY_DEADLINE_MS);
    await sleep(1_000);
    const readyRssMiB = vmRssMiB(child);
    await sleep(Math.max(0, idleMs - 1_000));
    const idleRssMiB = vmRssMiB(child);
    return { listenMs: listen - started, readyMs: ready - started, readyRssMiB, idleRssMiB };
  } finally {
    await stop(child);
  }
}

/** The child's JSON log lines (pino, stdout); first() resolves with the arrival time of a matching one. */
function logLines(child: ChildProcess) {
  const seen: { msg: string; at: number }[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let exited: string | undefined;
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const at = performance.now();
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const line of parts) {
      try {
        const msg = (JSON.parse(line) as { msg?: unknown }).msg;
        if (typeof msg === 'string') seen.push({ msg, at });
      } catch {
        // not a log line
      }
    }
    for (const wake of [...waiters]) wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2_000)));
  child.once('exit', (code, signal) => {
    exited = `the engine exited (${signal ?? code}) ${stderr.trim()}`;
    for (const wake of [...waiters]) wake();
  });
  let next = 0;
  return {
    /** Looks at each line once, in order, from where the previous call stopped. */
    first(match: (msg: string) => boolean, deadlineMs: number): Promise<number> {
      return new Promise((resolvePromise, reject) => {
        const check = (): void => {
          while (next < seen.length) {
            const line = seen[next++]!;
            if (match(line.msg)) return done(() => resolvePromise(line.at));
          }
          if (exited !== undefined) done(() => reject(new Error(exited)));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`no such log line within ${deadlineMs} ms; ${stderr.trim()}`))),
          deadlineMs,
        );
        const done = (settle: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
  };
}

function vmRssMiB(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for pid ${child.pid}`);
  return Number(kib) / 1024;
}

/** SIGTERM, then SIGKILL if it has not exited after 10 s; resolves once it has exited. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_DEADLINE_MS);
  await exited;
  clearTimeout(timer);
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

// --- Where the time and memory go (the command line only) ------------------------------------------

/**
 * The groups of the engine's module graph, in the order main.js loads them: each line is imported by
 * the child after the previous ones, so its figures are what it adds. The engine's own modules come
 * after its dependencies; "main" is main.js itself (config, the engine's construction, listening).
 */
const GROUPS: [label: string, specifier: string][] = [
  ['pino (log)', 'pino'],
  ['node-cron', 'node-cron'],
  ['mysql2', 'mysql2/promise'],
  ['knex (+ lodash, tarn)', 'knex'],
  // The hotel's local times (src/time/zone.ts): Intl with a time zone maps Node's ICU data.
  ['Intl time zones (ICU data)', '@intl'],
  ["the engine's own modules (dist/src)", './dist/src/engine.js'],
];

/** The child of one phased start: marks on stderr as JSON lines, then main.js as `node dist/src/main.js` runs it. */
const PHASED = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const rss = () => Number(/^VmRSS:\\s+(\\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
const mark = (label) => process.stderr.write(JSON.stringify({ mark: label, rss: rss() }) + '\\n');
const groups = JSON.parse(process.env.BENCH_GROUPS);
delete process.env.BENCH_GROUPS;
mark('node');
for (const [label, specifier] of groups) {
  if (specifier === '@intl') new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', hour: '2-digit' }).formatToParts(new Date());
  else await import(specifier.startsWith('.') ? new URL(specifier, 'file://' + process.cwd() + '/').href : specifier);
  mark(label);
}
const loaded = Object.keys(createRequire(import.meta.url).cache)
  .map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(f)?.[1])
  .filter(Boolean);
process.stderr.write(JSON.stringify({ packages: [...new Set(loaded)] }) + '\\n');
await import(new URL('dist/src/main.js', 'file://' + process.cwd() + '/').href);
`;

interface Phase {
  label: string;
  ms: number;
  rssMiB: number;
}

/** One start with its module groups imported one after the other; marks timed on arrival. */
async function phasedStart(env: Record<string, string>): Promise<{ phases: Phase[]; packages: string[] }> {
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...env,
    PMS_LOG_LEVEL: 'info',
    BENCH_GROUPS: JSON.stringify(GROUPS),
  };
  delete childEnv.PMS_LOG_PRETTY;
  const started = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', PHASED], {
    cwd: REPO_DIR,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const phases: Phase[] = [];
  let packages: string[] = [];
  let pending = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const at = performance.now() - started;
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const line of parts) {
      try {
        const m = JSON.parse(line) as { mark?: string; rss?: number; packages?: string[] };
        if (m.mark !== undefined) phases.push({ label: m.mark, ms: at, rssMiB: m.rss ?? 0 });
        if (m.packages) packages = m.packages;
      } catch {
        // not a mark
      }
    }
  });
  const lines = logLines(child);
  try {
    const listen = await lines.first((msg) => msg === 'PMS server listening', READY_DEADLINE_MS);
    phases.push({
      label: 'main.js: config, the engine built, listening',
      ms: listen - started,
      rssMiB: vmRssMiB(child),
    });
    return { phases, packages };
  } finally {
    await stop(child);
  }
}

/** What the operator console adds when it is enabled (not on the path to listening otherwise). */
function consoleCost(): { ms: number; rssMiB: number } {
  const script = `
import { readFileSync } from 'node:fs';
const rss = () => Number(/^VmRSS:\\s+(\\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
await import('./dist/src/engine.js');
const r0 = rss(); const t0 = performance.now();
await import('./dist/src/console/server.js');
console.log(JSON.stringify({ ms: performance.now() - t0, rssMiB: rss() - r0 }));`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: REPO_DIR,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (out.status !== 0) throw new Error(`console import failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as { ms: number; rssMiB: number };
}

function bareNode(): { ms: number; rssMiB: number } {
  const started = performance.now();
  const out = spawnSync(
    process.execPath,
    [
      '-e',
      "console.log(/^VmRSS:\\s+(\\d+)/m.exec(require('fs').readFileSync('/proc/self/status','utf8'))[1])",
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return { ms: performance.now() - started, rssMiB: Number(out.stdout.trim()) / 1024 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const max = (xs: number[]): number => Math.max(...xs);
const ms = (x: number): string => `${Math.round(x)} ms`;
const mib = (x: number): string => `${x.toFixed(1)} MiB`;

/** lab.env's settings, with this benchmark's own database, app, port, rooms and voicemail files. */
function benchEnv(scratch: string): Record<string, string> {
  const env = Object.fromEntries(Object.entries(labEnv()).filter(([key]) => key.startsWith('PMS_')));
  mkdirSync(join(scratch, 'spool'));
  return {
    ...env,
    PMS_DB_DATABASE: 'pms_start_bench',
    PMS_ARI_APP: `start-bench-${process.pid}`,
    PMS_LISTEN_PORT: '0',
    PMS_HOTEL_ROOMS: '9901-9905',
    PMS_VOICEMAIL_INCLUDE_FILE: join(scratch, 'voicemail_pms_rooms.conf'),
    PMS_VOICEMAIL_SPOOL_DIR: join(scratch, 'spool'),
  };
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_DIR, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
  const scratch = mkdtempSync(join(tmpdir(), 'pms-start-bench-'));
  try {
    const env = benchEnv(scratch);
    const f = await measureStart(env, runs);
    console.log(`node dist/src/main.js, ${runs} starts (median / max):`);
    console.log(`  spawn → "PMS server listening"        ${ms(median(f.listenMs))} / ${ms(max(f.listenMs))}`);
    console.log(`  spawn → links ready, AstDB re-synced   ${ms(median(f.readyMs))} / ${ms(max(f.readyMs))}`);
    console.log(
      `  RSS 1 s after ready                    ${mib(median(f.readyRssMiB))} / ${mib(max(f.readyRssMiB))}`,
    );
    console.log(
      `  RSS idle (30 s after ready)            ${mib(median(f.idleRssMiB))} / ${mib(max(f.idleRssMiB))}`,
    );

    const bare = [bareNode(), bareNode(), bareNode()];
    console.log(
      `bare node (node -e, to exit): ${ms(median(bare.map((b) => b.ms)))}, RSS ${mib(median(bare.map((b) => b.rssMiB)))}`,
    );
    console.log(
      'where the time and memory go up to listening (one start, groups imported in order; what each adds):',
    );
    const { phases, packages } = await phasedStart(env);
    let previous = { ms: 0, rssMiB: 0 };
    for (const phase of phases) {
      console.log(
        `  ${phase.label.padEnd(46)} +${ms(phase.ms - previous.ms).padStart(7)}  +${mib(phase.rssMiB - previous.rssMiB).padStart(9)}   (at ${ms(phase.ms)}, ${mib(phase.rssMiB)})`,
      );
      previous = phase;
    }
    console.log(`  packages loaded before main.js: ${packages.sort().join(', ')}`);
    const operatorConsole = consoleCost();
    console.log(
      `the operator console, imported only when http.enabled: +${ms(operatorConsole.ms)}, +${mib(operatorConsole.rssMiB)}`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
