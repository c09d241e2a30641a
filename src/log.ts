// The engine's logger, created once at the composition root; everything else takes a child of it.
import { pino, type Logger } from 'pino';
import type { Config } from './config/index.js';

export type { Logger } from 'pino';

export function createLogger(config: Config['log']): Logger {
  return pino({
    level: config.level,
    base: { svc: 'pms-engine' },
    // Secrets never reach a log line, whatever object a caller passes.
    redact: { paths: ['password', '*.password', 'secret', '*.secret', 'Password'], censor: '[redacted]' },
    transport: config.pretty
      ? { target: 'pino-pretty', options: { translateTime: 'SYS:standard' } }
      : undefined,
  });
}

/** A logger that writes nothing: for unit tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * A value from the network as a log field: at most `max` characters, with a marker when cut, so a
 * client cannot make one log line as large as its frame.
 */
export function clip(value: string | undefined, max = 64): string | undefined {
  if (value === undefined || value.length <= max) return value;
  return `${value.slice(0, max)}…(${value.length} chars)`;
}
