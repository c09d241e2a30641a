// The engine as a hotel runs it, for benchmarks: `node dist/src/main.js` (the `npm run build`
// output) in its own process, its JSON log in a file. Times the start to the PMS listener, reads the
// process's RSS, stops it with SIGTERM (SIGKILL after 10 s). Every wait has a deadline.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { labEnv } from '../../test/lab/lab.js';
import { labDatabase } from '../../test/lab/engine.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The compiled engine; PMS_BENCH_ENGINE names another build (an older commit's, for A against B). */
export const MAIN = process.env.PMS_BENCH_ENGINE
  ? resolve(process.env.PMS_BENCH_ENGINE)
  : resolve(REPO, 'dist/src/main.js');

export interface EngineProcess {
  child: ChildProcess;
  /** Spawn to the "PMS server listening" log line. */
  listenMs: number;
  rssMiB(): Promise<number>;
  /** Resolves when a log line whose msg matches appears (from the start of the log), or rejects at the deadline. */
  logged(msg: RegExp, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** What a benchmark's own engine gets beside the lab's settings. */
export interface BenchHotel {
  /** Its database, dropped first. */
  database: string;
  /** hotel.rooms. */
  rooms: string;
  port: number;
  /** Its Stasis application, so that no other engine on the lab is disturbed. */
  ariApp: string;
  account: { user: string; password: string; grade: number };
}

/**
 * lab/lab.env's settings for an engine of a benchmark's own: its database (dropped here), rooms, PMS
 * port on loopback, Stasis application and one account; no idle timeout; JSON log lines at info.
 */
export async function benchEngineEnv(hotel: BenchHotel): Promise<Record<string, string>> {
  const setup = await labDatabase();
  try {
    await setup.query(`DROP DATABASE IF EXISTS \`${hotel.database}\``);
  } finally {
    await setup.end();
  }
  const env: Record<string, string> = {
    ...labEnv(),
    PMS_DB_DATABASE: hotel.database,
    PMS_HOTEL_ROOMS: hotel.rooms,
    PMS_LISTEN_HOST: '127.0.0.1',
    PMS_LISTEN_PORT: String(hotel.port),
    PMS_ARI_APP: hotel.ariApp,
    PMS_ACCOUNTS: JSON.stringify([hotel.account]),
    PMS_IDLE_TIMEOUT_SEC: '0',
    PMS_LOG_LEVEL: 'info',
  };
  delete env.PMS_LOG_PRETTY;
  return env;
}

/** Starts `main` (default MAIN) with `env`, its log in `logFile`; resolves once it listens. */
export async function startEngineProcess(
  env: Record<string, string>,
  logFile: string,
  main = MAIN,
): Promise<EngineProcess> {
  if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build (make bench does)`);
  const out = openSync(logFile, 'w');
  const t0 = performance.now();
  // Paths of the lab's settings are relative to this checkout: made absolute for any build's cwd.
  const absolute = Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      /_(FILE|DIR)$/.test(k) && v && !v.startsWith('/') ? resolve(REPO, v) : v,
    ]),
  );
  // PMS_BENCH_NODE_ARGS: options for the engine's node (e.g. --cpu-prof to see where its time goes).
  const nodeArgs = (process.env.PMS_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, main], {
    cwd: resolve(main, '../../..'),
    env: { PATH: process.env.PATH ?? '', ...absolute },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const logged = async (msg: RegExp, timeoutMs: number): Promise<void> => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const text = await readFile(logFile, 'utf8').catch(() => '');
      for (const line of text.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          if (msg.test(String((JSON.parse(line) as { msg?: unknown }).msg ?? ''))) return;
        } catch {
          // a line being written
        }
      }
      if (child.exitCode !== null) throw new Error(`engine exited (${child.exitCode}); see ${logFile}`);
      if (performance.now() > deadline)
        throw new Error(`no log line ${msg} in ${timeoutMs} ms; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  await logged(/^PMS server listening$/, 20_000);
  const listenMs = performance.now() - t0;
  return {
    child,
    listenMs,
    logged,
    async rssMiB() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      return kb / 1024;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
