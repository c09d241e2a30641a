// A wake-up burst on the real lab, as a hotel runs it: every room sends AlarmClock for the same
// minute through the PMS protocol, and the engine rings them all through real Asterisk channels
// (Local/<room>@lab-wakeup-route: a room with a lab phone rings that phone, the others are pretend
// guests of lab/asterisk/extensions_pms_trunk.conf). Used by test/integration/wakeup-burst.test.ts
// and bench/wakeup-burst.ts; every figure comes from the store and from Asterisk.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Config, DeepPartial } from '../../src/config/index.js';
import { WakeupStore } from '../../src/store/wakeups.js';
import type { Attempt, Occurrence } from '../../src/store/wakeup-records.js';
import { formatLocal, parseLocal, systemTimeZone } from '../../src/time/zone.js';
import { labDatabase, startLabEngine, type LabEngine } from './engine.js';
import { labAri, labEnv } from './lab.js';

export interface BurstOptions {
  /** Rooms to wake (each must be in `hotelRooms`). */
  rooms: string[];
  hotelRooms: string;
  database: string;
  wakeup?: DeepPartial<Config['wakeup']>;
  /** Seconds the burst may take after the due minute before waiting gives up. */
  deadlineSeconds: number;
}

export interface BurstFigures {
  rooms: number;
  dueAt: number;
  setMs: number;
  answeredFirst: number;
  /** Occurrences that needed more than one counted attempt (busy, no answer, failed, snooze). */
  retried: number;
  /** Attempts that failed on the engine's side (placed again, not counted). */
  linkFaults: number;
  /** Occurrences not answered in the end. */
  lost: number;
  /** First-attempt start minus its paced slot (due + i / callsPerSecond), ms, sorted. */
  slotLateness: number[];
  lastStartAfterDueMs: number;
  peakChannels: number;
  peakWakeupChannels: number;
  /** CPU time used from the due minute to the end: this process (engine + watcher), and Asterisk. */
  engineCpuMs: number;
  asteriskCpuMs: number;
  /** From the due minute to the last occurrence settled. */
  burstMs: number;
  occurrences: Array<{ o: Occurrence; attempts: Attempt[] }>;
}

const TZ = labEnv().PMS_HOTEL_TIMEZONE || systemTimeZone();

/** The next minute at least `leadMs` away, as AlarmClock's hh:mm and its instant. */
export function minuteAfter(leadMs: number): { hhmm: string; at: number } {
  const local = formatLocal(new Date(Date.now() + leadMs + 60_000), TZ);
  return { hhmm: local.slice(11, 16), at: parseLocal(`${local.slice(0, 16)}:00`, TZ)!.getTime() };
}

/** Counts Asterisk's channels (all, and the engine's wake-up calls) over ARI, every `everyMs`. */
export function watchChannels(everyMs = 250): { stop(): { peak: number; peakWakeup: number } } {
  let peak = 0;
  let peakWakeup = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    labAri('/channels')
      .then(async (r) => (await r.json()) as Array<{ id: string }>)
      .then((list) => {
        peak = Math.max(peak, list.length);
        peakWakeup = Math.max(peakWakeup, list.filter((c) => c.id.startsWith('pms-wakeup-o')).length);
      })
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return { peak, peakWakeup };
    },
  };
}

/** CPU time (user + system) Asterisk has used so far, ms (Linux /proc; clock ticks of 10 ms). */
function asteriskCpuMs(): number {
  try {
    const pid = execFileSync('pgrep', ['-o', '-x', 'asterisk'], { timeout: 2000 }).toString().trim();
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

export const pct = (sorted: number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;

/** Starts an engine for the burst (its own database), sets every room's AlarmClock, waits it out. */
export async function runBurst(
  options: BurstOptions,
  onEngine?: (lab: LabEngine) => void,
): Promise<{ lab: LabEngine; figures: BurstFigures }> {
  const db = await labDatabase();
  await db.query(`DROP DATABASE IF EXISTS \`${options.database}\``);
  await db.end();
  const lab = await startLabEngine({
    db: { database: options.database },
    ari: { app: `pms-burst-${process.pid}` },
    hotel: { rooms: options.hotelRooms },
    wakeup: { dialString: 'Local/{ext}@lab-wakeup-route', ...options.wakeup },
  });
  onEngine?.(lab);
  const config = lab.engine.config.wakeup;
  // Time to set every room, with room to spare, before the minute.
  const due = minuteAfter(Math.max(5_000, options.rooms.length * 20));
  const setStart = performance.now();
  for (const room of options.rooms) {
    const r = await lab.pms.call(
      [
        ['Action', 'Set'],
        ['CallMethod', 'AlarmClock'],
        ['Phone', room],
        ['AlarmClock', `${due.hhmm}**5*1*fpm-world-mix.gsm*2&`],
      ],
      10_000,
    );
    assert.equal(r.get('Response'), 'Success', `${room}: ${r.get('Message')}`);
  }
  const setMs = performance.now() - setStart;
  assert.ok(Date.now() < due.at, `setting ${options.rooms.length} wake-ups took past the due minute`);

  const store = new WakeupStore(lab.engine.store);
  const channels = watchChannels();
  const deadline = due.at + options.deadlineSeconds * 1000;
  await new Promise((r) => setTimeout(r, Math.max(0, due.at - Date.now())));
  const cpu0 = { engine: process.cpuUsage(), asterisk: asteriskCpuMs() };
  let occurrences: Array<{ o: Occurrence; attempts: Attempt[] }> = [];
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const open = await lab.engine.store
      .knex('wakeup_occurrences')
      .whereIn('state', ['pending', 'calling'])
      .count({ n: '*' });
    if (Number((open[0] as { n: unknown }).n) === 0 && Date.now() > due.at) break;
    if (Date.now() > deadline) break; // the figures then show what did not finish
  }
  const seen = channels.stop();
  const burstMs = Date.now() - due.at;
  const engineCpu = process.cpuUsage(cpu0.engine);
  const asteriskCpu = asteriskCpuMs() - cpu0.asterisk;
  for (const room of options.rooms)
    for (const o of await store.forRoom(room)) occurrences.push({ o, attempts: await store.attempts(o.id) });
  occurrences = occurrences.filter(({ o }) => o.dueAt === due.at);

  const counted = (a: Attempt): boolean => a.result !== 'linkfault' && a.result !== 'interrupted';
  const firsts = occurrences
    .map(({ attempts }) => attempts.find(counted) ?? attempts[0])
    .filter((a): a is Attempt => a !== undefined)
    .sort((a, b) => a.startedAt - b.startedAt);
  const slotLateness = firsts
    .map((a, i) => a.startedAt - (due.at + (i * 1000) / config.callsPerSecond))
    .sort((a, b) => a - b);
  const figures: BurstFigures = {
    rooms: options.rooms.length,
    dueAt: due.at,
    setMs,
    answeredFirst: occurrences.filter(({ attempts }) => {
      const c = attempts.filter(counted);
      return c.length === 1 && c[0]!.result === 'answered' && attempts.every(counted);
    }).length,
    retried: occurrences.filter(({ attempts }) => attempts.filter(counted).length > 1).length,
    linkFaults: occurrences.reduce(
      (n, { attempts }) => n + attempts.filter((a) => a.result === 'linkfault').length,
      0,
    ),
    lost: options.rooms.length - occurrences.filter(({ o }) => o.state === 'answered').length,
    slotLateness,
    lastStartAfterDueMs: firsts.length ? firsts[firsts.length - 1]!.startedAt - due.at : NaN,
    peakChannels: seen.peak,
    peakWakeupChannels: seen.peakWakeup,
    engineCpuMs: (engineCpu.user + engineCpu.system) / 1000,
    asteriskCpuMs: asteriskCpu,
    burstMs,
    occurrences,
  };
  return { lab, figures };
}

/** The figures as the closing note and the benchmark print them. */
export function describeBurst(
  f: BurstFigures,
  config: Pick<Config['wakeup'], 'maxConcurrentCalls' | 'callsPerSecond'>,
): string {
  const s = f.slotLateness;
  return [
    `rooms ${f.rooms}, ceilings ${config.maxConcurrentCalls} concurrent / ${config.callsPerSecond} per s; ${f.rooms} AlarmClocks set in ${Math.round(f.setMs)} ms`,
    `answered at the first attempt ${f.answeredFirst}, retried ${f.retried}, lost ${f.lost}, engine-side failures ${f.linkFaults}`,
    `first attempt vs its paced slot: p50 ${pct(s, 0.5)} ms, p99 ${pct(s, 0.99)} ms, max ${s[s.length - 1]} ms; last first attempt ${(f.lastStartAfterDueMs / 1000).toFixed(1)} s after due`,
    `peak channels in Asterisk ${f.peakChannels} (wake-up call legs ${f.peakWakeupChannels})`,
    `burst settled ${(f.burstMs / 1000).toFixed(1)} s after due; CPU meanwhile: Asterisk ${(f.asteriskCpuMs / 1000).toFixed(1)} s, engine process ${(f.engineCpuMs / 1000).toFixed(1)} s (2 cores: ${((2 * f.burstMs) / 1000).toFixed(0)} s available)`,
  ].join('\n');
}
