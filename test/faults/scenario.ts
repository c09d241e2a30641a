// One fault scenario on the real lab: an engine process with its own database, the continuous load,
// wake-ups due while the fault lasts, the fault itself (lab/faults.sh or the engine process), then
// the checks and the figures the closing note quotes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatLocal, parseLocal, systemTimeZone } from '../../src/time/zone.js';
import { LAB_DIR, LAB_PHONES_DIR, labEnv, waitForAsterisk } from '../lab/lab.js';
import { labDatabase } from '../lab/engine.js';
import { phone } from '../lab/phone.js';
import {
  astDbDiff,
  astDbRooms,
  halfApplied,
  storeRooms,
  wakeupOutcome,
  type WakeupFigures,
} from './checks.js';
import { startEngineChild, type EngineChild, type LogLine } from './engine-child.js';
import { Load, pause, type Sent } from './load.js';

/** Rooms the load changes (no phone: their state is only in the store and AstDB). */
export const LOAD_ROOMS = Array.from({ length: 20 }, (_, i) => String(7000 + i));
/** Rooms woken during the fault: a real phone (8001, it must hear the prompt) and 20 pretend guests
 *  of lab/asterisk/extensions_pms_trunk.conf that answer at once (Local/<room>@lab-wakeup-route). */
export const WAKEUP_ROOMS = ['8001', ...Array.from({ length: 20 }, (_, i) => String(9000 + i))];
const HOTEL_ROOMS = '7000-7019,8001-8005,9000-9019';
const TZ = labEnv().PMS_HOTEL_TIMEZONE || systemTimeZone();
const MIN_RMS = 0.02;

/** Runs lab/faults.sh (as the lab's other scripts, as root). */
export function fault(command: string, timeoutMs = 120_000): Promise<void> {
  return new Promise((done, fail) =>
    execFile('bash', [resolve(LAB_DIR, 'faults.sh'), command], { timeout: timeoutMs }, (err, _out, stderr) =>
      err ? fail(new Error(`lab/faults.sh ${command}: ${stderr || err.message}`)) : done(),
    ),
  );
}

export interface Context {
  engine: EngineChild;
  load: Load;
}

export interface Scenario {
  name: string;
  /** Its own database (dropped first), so that no wake-up or room of another scenario interferes. */
  database: string;
  engineEnv?: Record<string, string>;
  /** Runs before the fault is timed (a check that the fault can be put in place at once). */
  prepare?(ctx: Context): Promise<void>;
  /** Puts the fault in place. */
  inject(ctx: Context): Promise<void>;
  /** How long the fault lasts. */
  holdMs: number;
  /** The wake-ups are due this long after the fault starts (default 2 s). */
  dueAfterFaultMs?: number;
  /** Lifts it. */
  lift(ctx: Context): Promise<void>;
}

export interface Figures {
  name: string;
  sent: number;
  success: number;
  clearErrors: number;
  ambiguous: number;
  lost: number;
  hung: number;
  halfApplied: string[];
  astDbDiff: string[];
  /** Command answer times from the fault's start to its end + 10 s (ms). */
  latencyP50: number;
  latencyMax: number;
  beats: number;
  beatsMissed: number;
  beatMaxMs: number;
  /** From the fault's start to the first engine log of a link leaving `ready` (undefined: none). */
  detectedMs: number | undefined;
  /** How long putting the fault in place took (inject() resolving; for a restart, until it is back). */
  injectMs: number;
  /** From the fault's end to the first successful command sent after it. */
  recoveredMs: number;
  wakeups: WakeupFigures;
  /** What 8001 heard on its newest call since the due minute, and how many calls it answered. */
  phoneHeard: { seconds: number; rms: number; calls: number } | undefined;
  errorsSeen: string[];
  /** The engine's own 'handler failed' logs (a bug: an unexpected exception), with their errors. */
  internalErrors: string[];
  faultAt: number;
  liftedAt: number;
  sentDuring: Sent[];
}

/** The next minute boundary at least `leadMs` away, as AlarmClock's hh:mm and its instant. */
function nextMinute(leadMs: number): { hhmm: string; at: number } {
  const local = formatLocal(new Date(Date.now() + leadMs + 60_000), TZ);
  return { hhmm: local.slice(11, 16), at: parseLocal(`${local.slice(0, 16)}:00`, TZ)!.getTime() };
}

const pct = (sorted: number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0;

export async function runScenario(s: Scenario): Promise<Figures> {
  await fault('restore');
  const db = await labDatabase();
  await db.query(`DROP DATABASE IF EXISTS \`${s.database}\``);
  await db.end();
  const engine = await startEngineChild({
    database: s.database,
    hotelRooms: HOTEL_ROOMS,
    env: {
      PMS_WAKEUP_DIAL_STRING: 'Local/{ext}@lab-wakeup-route',
      // Retries 10 s apart instead of 5 minutes (AlarmClock frequency 5 in lab minutes of 2 s).
      PMS_WAKEUP_MINUTE_SECONDS: '2',
      ...s.engineEnv,
    },
  });
  const load = new Load(() => engine.port, LOAD_ROOMS);
  const ctx: Context = { engine, load };
  try {
    await load.start();
    // Wake-ups due into the fault: set them, let the load run, then inject.
    const due = nextMinute(12_000);
    const setter = await load.session();
    assert.ok(setter, 'the load session is logged in');
    for (const room of WAKEUP_ROOMS) {
      const r = await setter.call(
        [
          ['Action', 'Set'],
          ['CallMethod', 'AlarmClock'],
          ['Phone', room],
          ['AlarmClock', `${due.hhmm}**5*1*fpm-world-mix.gsm*3&`],
        ],
        10_000,
      );
      assert.equal(r.get('Response'), 'Success', `AlarmClock ${room}: ${r.get('Message')}`);
    }
    await s.prepare?.(ctx);
    await pause(Math.max(0, due.at - (s.dueAfterFaultMs ?? 2_000) - Date.now()));
    const faultAt = Date.now();
    await s.inject(ctx);
    const injectMs = Date.now() - faultAt;
    await pause(Math.max(0, faultAt + s.holdMs - Date.now()));
    const liftAt = Date.now();
    await s.lift(ctx);
    const liftedAt = Date.now();
    const firstOk = await load.successesAfter(liftAt, 1, 90_000);
    // Enough successes after the fault that every room was written again by the load or re-synced.
    await load.successesAfter(liftAt, 3 * LOAD_ROOMS.length, 90_000);
    const wakeups = await wakeupOutcome(s.database, WAKEUP_ROOMS, due.at, 180_000);
    await load.stop();
    await waitForAsterisk(30_000);

    const store = await storeRooms(s.database, LOAD_ROOMS);
    const astdb = await astDbRooms(LOAD_ROOMS);
    const sent = load.sent;
    const during = sent.filter((x) => x.sentAt >= faultAt && x.sentAt <= liftedAt + 10_000);
    const lat = during.map((x) => x.ms).sort((a, b) => a - b);
    const beatsDuring = load.beats.filter((b) => b.sentAt >= faultAt - 1_000);
    const leftReady = engine.logs.find(
      (l: LogLine) => l.time >= faultAt && l.previous === 'ready' && / link \w+$/.test(l.msg),
    );
    return {
      name: s.name,
      sent: sent.length,
      success: sent.filter((x) => x.outcome === 'success').length,
      clearErrors: sent.filter((x) => x.outcome === 'error').length,
      ambiguous: sent.filter((x) => x.outcome === 'ambiguous').length,
      lost: sent.filter((x) => x.outcome === 'lost').length,
      hung: sent.filter((x) => x.outcome === 'hung').length,
      halfApplied: halfApplied(sent, store, LOAD_ROOMS),
      astDbDiff: astDbDiff(store, astdb, LOAD_ROOMS),
      latencyP50: pct(lat, 0.5),
      latencyMax: lat[lat.length - 1] ?? 0,
      beats: beatsDuring.length,
      beatsMissed: beatsDuring.filter((b) => b.ms === undefined).length,
      beatMaxMs: Math.max(0, ...beatsDuring.map((b) => b.ms ?? 0)),
      detectedMs: leftReady ? leftReady.time - faultAt : undefined,
      injectMs,
      recoveredMs: firstOk - liftAt,
      wakeups,
      phoneHeard: await heardSince('8001', due.at),
      errorsSeen: [...new Set(sent.filter((x) => x.message).map((x) => x.message!))].slice(0, 8),
      internalErrors: [
        ...new Set(
          engine.logs
            .filter((l) => l.msg === 'handler failed')
            .map((l) => JSON.stringify(l.err).slice(0, 600)),
        ),
      ].slice(0, 5),
      faultAt,
      liftedAt,
      sentDuring: during,
    };
  } finally {
    await load.stop().catch(() => undefined);
    await engine.stop().catch(() => undefined);
    await fault('restore').catch(() => undefined);
  }
}

/** The newest recording of `ext` made after `since`, measured (the wake-up prompt it heard). */
async function heardSince(
  ext: string,
  since: number,
): Promise<{ seconds: number; rms: number; calls: number } | undefined> {
  const dir = resolve(LAB_PHONES_DIR, ext, 'recordings');
  const names = (await readdir(dir)).filter((n) => n.endsWith('-dec.wav'));
  const recent = [];
  for (const n of names) if ((await stat(resolve(dir, n))).mtimeMs >= since) recent.push(n);
  if (!recent.length) return undefined;
  const p = phone(ext);
  try {
    const rec = await p.lastRecording();
    return { seconds: rec.seconds, rms: rec.rms, calls: recent.length };
  } finally {
    p.close();
  }
}

/**
 * The checks every scenario must pass. All of them are evaluated and a failure lists every one that
 * failed with the scenario's figures, so a CI log that keeps only the assertion still says what broke.
 */
export function assertHealthy(
  f: Figures,
  opts: { beatsMayBeLost?: boolean; noFaultFelt?: boolean } = {},
): void {
  const problems: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) problems.push(what);
  };
  check(f.hung === 0, `${f.hung} commands got no answer within 35 s`);
  check(
    f.internalErrors.length === 0,
    `commands failed with an internal error (every failure must be a clear one): ${f.internalErrors.join(' / ')}`,
  );
  check(f.halfApplied.length === 0, `half-applied: ${f.halfApplied.join(', ')}`);
  check(f.astDbDiff.length === 0, `AstDB differs from the store: ${f.astDbDiff.join(', ')}`);
  check(
    f.latencyMax < 12_000,
    `a command took more than 12 s to answer during the fault (max ${f.latencyMax} ms)`,
  );
  if (!opts.beatsMayBeLost) {
    check(f.beatsMissed === 0, `${f.beatsMissed} heartbeats not answered`);
    check(f.beatMaxMs < 1_000, `a heartbeat took 1 s or more (max ${f.beatMaxMs.toFixed(0)} ms)`);
  }
  check(f.wakeups.lost.length === 0, `wake-ups lost: ${JSON.stringify(f.wakeups.lost)}`);
  check(f.wakeups.doubled.length === 0, `wake-ups doubled: ${JSON.stringify(f.wakeups.doubled)}`);
  if (!f.phoneHeard) check(false, 'phone 8001 recorded no wake-up call');
  else {
    check(f.phoneHeard.rms >= MIN_RMS, `phone 8001 did not hear the prompt (RMS ${f.phoneHeard.rms})`);
    // No wake-up call is up when the fault starts (they fall due after it), so none is cut short: a
    // second call would be a late or doubled Originate.
    check(f.phoneHeard.calls === 1, `phone 8001 answered ${f.phoneHeard.calls} wake-up calls, not 1`);
  }
  const failed = f.clearErrors + f.ambiguous + f.lost;
  if (opts.noFaultFelt) check(failed === 0, `${failed} commands of the load failed (none should)`);
  else
    check(
      f.success > 0 && failed > 0,
      `the fault was not felt by the load (${f.success} Success, ${failed} failed)`,
    );
  assert.deepEqual(problems, [], `${f.name}:\n${problems.join('\n')}\n${describeFigures(f)}`);
}

/** The figures as one block of `# ` lines in the test output (the closing note quotes them). */
export function describeFigures(f: Figures): string {
  const w = f.wakeups;
  return [
    `${f.name}: ${f.sent} commands sent, ${f.success} Success, ${f.clearErrors} clear errors, ${f.ambiguous} "may not have been applied", ${f.lost} lost with the connection, ${f.hung} hung; half-applied ${f.halfApplied.length}; AstDB ≠ store in ${f.astDbDiff.length} fields`,
    `  during the fault: answer p50 ${f.latencyP50.toFixed(1)} ms, max ${f.latencyMax.toFixed(0)} ms; heartbeats ${f.beats} (missed ${f.beatsMissed}, max ${f.beatMaxMs.toFixed(0)} ms)`,
    `  link left ready ${f.detectedMs === undefined ? 'never (no link log)' : `${f.detectedMs} ms`} after the fault (in place after ${f.injectMs} ms); first Success ${f.recoveredMs.toFixed(0)} ms after it was lifted`,
    `  wake-ups due in the fault: ${w.answered}/${w.rooms} answered, lost ${w.lost.length}, doubled ${w.doubled.length}, attempts ${w.attempts} (engine/PBX-side ${w.linkFaults}); answered ${pct(w.answeredAfterDueMs, 0) / 1000}–${(w.answeredAfterDueMs[w.answeredAfterDueMs.length - 1] ?? 0) / 1000} s after due; 8001 answered ${f.phoneHeard?.calls ?? 0} call(s) and heard ${f.phoneHeard ? `${f.phoneHeard.seconds.toFixed(1)} s, RMS ${f.phoneHeard.rms.toFixed(3)}` : 'nothing'}`,
    `  errors: ${f.errorsSeen.join(' / ')}`,
    ...(f.internalErrors.length ? [`  internal errors: ${f.internalErrors.join(' / ')}`] : []),
  ].join('\n');
}
