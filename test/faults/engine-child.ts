// The engine as a hotel runs it (src/main.ts, its own process) for the fault suite: a SIGKILL must
// hit a real process, and a frozen link must not freeze the load generator in the tests' process.
// Its JSON log lines are kept, so that the suite can time the links' state changes.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { labEnv } from '../lab/lab.js';
import { waitFor } from '../support/wait.js';

export const FAULT_ACCOUNT = { user: 'faults', password: 'lab-faults-Tq8w', grade: 1 as const };

export interface LogLine {
  time: number;
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface EngineChild {
  port: number;
  child: ChildProcess;
  /** Every log line since the start (of this process and the ones before it, see `restart`). */
  logs: LogLine[];
  /** Resolves with the first line after `since` (ms) matching `pred`, within `timeoutMs`. */
  waitLog(pred: (l: LogLine) => boolean, timeoutMs: number, since?: number): Promise<LogLine>;
  kill(): Promise<void>;
  /** Starts the engine again (same database and settings); resolves once it re-synced AstDB. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface EngineChildOptions {
  database: string;
  hotelRooms: string;
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

export async function startEngineChild(options: EngineChildOptions): Promise<EngineChild> {
  const logs: LogLine[] = [];
  const listeners = new Set<(l: LogLine) => void>();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...labEnv(),
    PMS_LISTEN_HOST: '127.0.0.1',
    PMS_LISTEN_PORT: '0',
    PMS_DB_DATABASE: options.database,
    PMS_HOTEL_ROOMS: options.hotelRooms,
    PMS_ARI_APP: `pms-faults-${process.pid}`,
    PMS_ACCOUNTS: JSON.stringify([FAULT_ACCOUNT]),
    PMS_LOG_LEVEL: 'info',
    // The load session sends a heartbeat every second; it is never idle.
    PMS_IDLE_TIMEOUT_SEC: '0',
    ...options.env,
  };
  let port = 0;
  let child: ChildProcess;
  // FAULT_LOG_DIR=<dir> keeps each scenario's engine log as <dir>/<database>.log (to read a failure).
  const logFile = process.env.FAULT_LOG_DIR
    ? resolve(process.env.FAULT_LOG_DIR, `${options.database}.log`)
    : undefined;

  const spawnOne = async (): Promise<void> => {
    const started = Date.now();
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stderr: string[] = [];
    child.stderr!.on('data', (b: Buffer) => stderr.push(b.toString()));
    createInterface({ input: child.stdout! }).on('line', (text) => {
      if (logFile) appendFileSync(logFile, `${text}\n`);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        return;
      }
      logs.push(line);
      for (const l of listeners) l(line);
    });
    const listening = await waitLogIn(
      (l) => l.msg === 'PMS server listening',
      options.startTimeoutMs ?? 60_000,
      started,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; stderr: ${stderr.join('').slice(-2000)}`);
    });
    port = Number(listening.port);
    await waitLogIn(
      (l) => l.msg === 'AstDB re-synced from the store',
      options.startTimeoutMs ?? 60_000,
      started,
    );
  };

  function waitLogIn(pred: (l: LogLine) => boolean, timeoutMs: number, since = 0): Promise<LogLine> {
    const seen = logs.find((l) => l.time >= since && pred(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(on);
        reject(new Error(`no engine log line as expected within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = (l: LogLine): void => {
        if (l.time < since || !pred(l)) return;
        clearTimeout(timer);
        listeners.delete(on);
        resolve(l);
      };
      listeners.add(on);
    });
  }

  const exited = async (sig: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = waitFor(child, 'exit', 15_000);
    child.kill(sig);
    await gone;
  };

  await spawnOne();
  return {
    get port() {
      return port;
    },
    get child() {
      return child;
    },
    logs,
    waitLog: waitLogIn,
    kill: () => exited('SIGKILL'),
    restart: spawnOne,
    stop: () => exited('SIGTERM'),
  };
}
