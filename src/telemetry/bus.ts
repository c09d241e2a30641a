// What the engine tells its observers (the operator console, /metrics): one typed event bus, filled
// at the edges (the PMS sessions, the dispatcher, the room service, the wake-up scheduler, the links)
// and read by src/console/ and src/telemetry/metrics.ts. Emitting never throws into the engine: a
// listener that fails is counted and otherwise ignored. Imports nothing of the engine.
import { EventEmitter } from 'node:events';

export type LinkName = 'ami' | 'ari' | 'db' | 'fias';

/** A link changed state (AMI, ARI, database: connecting/ready/reconnecting/end; FIAS: seed 002's). */
export interface LinkChange {
  readonly link: LinkName;
  readonly from: string;
  readonly to: string;
  readonly at: number;
  /** Why (the drop's reason, the FIAS transition's cause), when known. */
  readonly why?: string;
}

/** A PMS session as the console lists it. */
export interface SessionView {
  readonly id: string;
  readonly remote: string;
  readonly user: string | null;
  /** Connected at (ms). */
  readonly since: number;
  readonly lastHeartbeat: number | null;
  readonly state: 'open' | 'closed';
  /** Why it closed. */
  readonly why?: string;
}

/** One frame on a PMS session, as text with passwords masked. */
export interface FrameRecord {
  readonly session: string;
  readonly dir: 'in' | 'out';
  readonly at: number;
  readonly text: string;
}

/** One answered request (its first reply). */
export interface CommandRecord {
  readonly action: string;
  readonly callMethod: string;
  readonly result: 'Success' | 'Error';
  readonly ms: number;
}

/** A wake-up call attempt that ended: its result and how late it was placed. */
export interface AttemptRecord {
  readonly room: string;
  readonly result: string;
  readonly lateMs: number;
}

export interface TelemetryEvents {
  link: [LinkChange];
  session: [SessionView];
  frame: [FrameRecord];
  command: [CommandRecord];
  /** These rooms' state changed (a committed change of the room service). */
  rooms: [readonly string[]];
  /** The wake-up schedule changed (added, cancelled, an attempt began or ended). */
  wakeups: [];
  attempt: [AttemptRecord];
  /** A LeaveMessage push for this room. */
  leaveMessage: [string];
}

export class Telemetry extends EventEmitter<TelemetryEvents> {
  /** Listener failures swallowed so far (a console bug must not break a check-in). */
  listenerErrors = 0;

  /** Emits to every listener; one that throws is counted, the others still run. */
  tell<K extends keyof TelemetryEvents>(name: K, ...args: TelemetryEvents[K]): void {
    for (const fn of this.listeners(name) as Array<(...a: TelemetryEvents[K]) => void>) {
      try {
        fn(...args);
      } catch {
        this.listenerErrors++;
      }
    }
  }
}

const SECRET_FIELD = /pass|secret|token/i;

/** A frame as `Key: Value` lines, every password-like field's value replaced by `***`. */
export function maskFrame(fields: Iterable<readonly [string, string | number]>): string {
  const lines: string[] = [];
  for (const [k, v] of fields) lines.push(`${k}: ${SECRET_FIELD.test(k) ? '***' : String(v)}`);
  return lines.join('\n');
}
