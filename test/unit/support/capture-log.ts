// A real pino logger whose lines the test can read: for asserting what the engine logs.
import { pino, type Logger } from 'pino';

export interface CapturedLog {
  log: Logger;
  lines: Array<Record<string, unknown>>;
  /** Lines whose msg is `msg`. */
  withMsg(msg: string): Array<Record<string, unknown>>;
}

export function captureLog(level = 'info'): CapturedLog {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines, withMsg: (msg) => lines.filter((l) => l.msg === msg) };
}
