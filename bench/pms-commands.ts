// PMS command benchmark (issue 15): the engine as a hotel runs it (`node dist/src/main.js`, built by
// `npm run build`) on the real lab, against the physical floor measured in the same run:
// - the floor: a bare AMI DBPut on its own AMI connection, an autocommit upsert of a room row on its
//   own MariaDB connection;
// - the Set round trip (ExtenName, a new name each time), p50/p99, and its ratio to the floor;
// - a night audit of 6,000 commands (CheckIn, ExtenName, ExtenLimit × 2,000 rooms, new values), one
//   reply awaited at a time, then all written at once on one connection (pipelined), then the same
//   audit again with nothing changed (a PMS replaying what the engine already holds);
// - start to listening and idle RSS (bench/start.ts's measureStart, on the same hotel); RSS after the run;
// - a mailbox change (VoicemailRefresh on a bare AMI connection) until LeaveMessage reaches the PMS.
// At the end AstDB is compared with the store for every room. It prints one table; it asserts nothing
// about speed.
//
// - GetCDR on a 1,000,000-row table (bench/getcdr.ts, run by this one; --no-getcdr leaves it out).
//
//   npm run build && npx tsx bench/pms-commands.ts      (make bench runs every benchmark)
//
// Needs the lab (make lab-up). Its own database pms_bench, dropped at the start.
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PmsClient } from '../src/client/pms-client.js';
import type { Frame } from '../src/protocol/index.js';
import { asteriskCli, labEnv, LAB_DIR } from '../test/lab/lab.js';
import { labDatabase } from '../test/lab/engine.js';
import { BareAmi } from './lib/bare-ami.js';
import { cpuMeter, pidOf } from './lib/cpu.js';
import { benchEngineEnv, startEngineProcess } from './lib/engine-process.js';
import { measureStart } from './start.js';
import { ms, percentile, perSecond, printTable } from './lib/stats.js';

const DB = 'pms_bench';
const FIRST = 10_000;
const ROOMS = 2_000;
const SET_SAMPLES = 2_000;
const FLOOR_SAMPLES = 2_000;
const MWI_ROUNDS = 30;
const PORT = 15_078;
const START_RUNS = 3;
const ACCOUNT = { user: 'bench', password: 'bench-pms-pass', grade: 1 };
const roomList = Array.from({ length: ROOMS }, (_, i) => String(FIRST + i));

type Fields = Array<[string, string]>;
const set = (method: string, fields: Fields): Fields => [
  ['Action', 'Set'],
  ['CallMethod', method],
  ...fields,
];

/** The night audit: three commands per room, with values of this round. */
function audit(round: string): Fields[] {
  return roomList.flatMap((room, i) => [
    set('CheckIn', [
      ['Phone', room],
      ['Name', `Guest ${room} ${round}`],
      ['Limit', String(1 + ((i + round.length) % 5))],
    ]),
    set('ExtenName', [
      ['Phone', room],
      ['Name', `Guest ${room} ${round} family`],
    ]),
    set('ExtenLimit', [
      ['Phone', room],
      ['Limit', String(1 + ((i + round.length + 2) % 5))],
    ]),
  ]);
}

function ok(frame: Frame, what: string): void {
  if (frame.get('Response') !== 'Success') throw new Error(`${what}: ${frame.get('Message')}`);
}

async function serial(pms: PmsClient, frames: Fields[]): Promise<number> {
  const t0 = performance.now();
  for (const f of frames) ok(await pms.call(f, 30_000), 'audit');
  return performance.now() - t0;
}

/** Every frame written at once; resolves when the last reply came. Checks the replies' order. */
async function pipelined(pms: PmsClient, frames: Fields[]): Promise<number> {
  const arrived: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    frames.map((f, i) =>
      pms.call(f, 120_000).then((r) => {
        ok(r, 'pipelined audit');
        arrived.push(i);
      }),
    ),
  );
  const elapsed = performance.now() - t0;
  const inOrder = arrived.every((v, i) => v === i);
  if (!inOrder) throw new Error('pipelined replies came out of order');
  return elapsed;
}

async function floor(env: Record<string, string>): Promise<{ ami: number[]; db: number[] }> {
  const ami = await BareAmi.login(
    env.PMS_AMI_HOST!,
    Number(env.PMS_AMI_PORT),
    env.PMS_AMI_USERNAME!,
    env.PMS_AMI_PASSWORD!,
  );
  const db = await labDatabase({ database: DB });
  await db.query('DROP TABLE IF EXISTS floor_rooms');
  await db.query('CREATE TABLE floor_rooms LIKE rooms');
  const amiMs: number[] = [];
  const dbMs: number[] = [];
  try {
    for (let i = 0; i < FLOOR_SAMPLES; i++) {
      const room = roomList[i % ROOMS]!;
      let t = performance.now();
      const r = await ami.action('DBPut', { Family: 'pms_floor', Key: `${room}/name`, Val: `Floor ${i}` });
      amiMs.push(performance.now() - t);
      if (r.get('response') !== 'Success') throw new Error(`floor DBPut: ${r.get('message')}`);
      t = performance.now();
      await db.query(
        'INSERT INTO floor_rooms (extension, guest_name, class_of_service, dnd_on, group_name, vm_enabled, vm_mwi, vm_attach) ' +
          'VALUES (?, ?, 1, 0, ?, 0, 0, 1) ON DUPLICATE KEY UPDATE guest_name = VALUES(guest_name), updated_at = CURRENT_TIMESTAMP',
        [room, `Floor ${i}`, 'Default'],
      );
      dbMs.push(performance.now() - t);
    }
    await ami.action('DBDelTree', { Family: 'pms_floor' });
    await db.query('DROP TABLE floor_rooms');
  } finally {
    ami.close();
    await db.end();
  }
  return { ami: amiMs, db: dbMs };
}

/** VoicemailRefresh on a bare AMI connection until the engine's LeaveMessage for the room arrives. */
async function mwi(env: Record<string, string>, pms: PmsClient): Promise<{ lat: number[]; lost: number }> {
  const room = '8002';
  ok(
    await pms.call(
      set('VoiceMail', [
        ['Phone', room],
        ['Use', '1'],
        ['Usevmwi', '1'],
      ]),
    ),
    'VoiceMail',
  );
  const context = 'pms-vm-mwi';
  const inbox = resolve(LAB_DIR, '..', env.PMS_VOICEMAIL_SPOOL_DIR!, context, room, 'INBOX');
  const ami = await BareAmi.login(
    env.PMS_AMI_HOST!,
    Number(env.PMS_AMI_PORT),
    env.PMS_AMI_USERNAME!,
    env.PMS_AMI_PASSWORD!,
  );
  const lat: number[] = [];
  let lost = 0;
  try {
    for (let i = 0; i < MWI_ROUNDS * 2; i++) {
      const on = i % 2 === 0;
      if (on) {
        await mkdir(inbox, { recursive: true });
        await writeFile(
          resolve(inbox, 'msg0000.txt'),
          `[message]\norigmailbox=${room}\ncontext=${context}\ncallerid="Bench" <>\norigtime=${Math.floor(Date.now() / 1000)}\nduration=1\n`,
        );
      } else await rm(resolve(inbox, 'msg0000.txt'), { force: true });
      const pushed = pms.nextPush(
        (f) => f.get('CallMethod') === 'LeaveMessage' && f.get('Phone') === room,
        5_000,
      );
      const t0 = performance.now();
      await ami.action('VoicemailRefresh', { Context: context, Mailbox: room });
      try {
        await pushed;
        lat.push(performance.now() - t0);
      } catch {
        lost++;
      }
    }
  } finally {
    ami.close();
    ok(
      await pms.call(
        set('VoiceMail', [
          ['Phone', room],
          ['Use', '0'],
        ]),
      ),
      'VoiceMail off',
    );
  }
  return { lat, lost };
}

/** Rooms whose AstDB keys differ from the store's row (every room of the run). */
async function astdbMismatches(): Promise<number> {
  const shown = await asteriskCli('database show pms');
  const astdb = new Map<string, string>();
  for (const m of shown.matchAll(/^\/pms\/(\d+)\/(\w+)\s*:\s?(.*?)\s*$/gm))
    astdb.set(`${m[1]}/${m[2]}`, m[3]!);
  const db = await labDatabase({ database: DB });
  const [rows] = (await db.query('SELECT extension, guest_name, class_of_service FROM rooms')) as unknown as [
    Array<{ extension: string; guest_name: string | null; class_of_service: number }>,
  ];
  await db.end();
  const stored = new Map(rows.map((r) => [r.extension, r]));
  let bad = 0;
  for (const room of roomList) {
    const r = stored.get(room);
    const name = r?.guest_name ?? '';
    const cls = String(r?.class_of_service ?? 1);
    if ((astdb.get(`${room}/name`) ?? '') !== name || astdb.get(`${room}/class`) !== cls) bad++;
  }
  return bad;
}

/**
 * GetCDR on its 1,000,000-row table: bench/getcdr.ts run now, in its own process (the engine in it);
 * its query plans are printed as they come, its figures become rows of the table.
 */
async function getCdrRows(): Promise<string[][]> {
  const out = await new Promise<string>((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', resolve(LAB_DIR, '../bench/getcdr.ts')],
      { timeout: 900_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`bench/getcdr.ts: ${stderr || err.message}`)) : resolvePromise(stdout),
    );
  });
  const rows: string[][] = [];
  for (const line of out.split('\n')) {
    if (line.startsWith('explain') || line.startsWith('fill:')) console.log(`getcdr ${line}`);
    const page = /^page \((.*)\): median of (\d+) ([\d.]+ ms) \((.*)\)$/.exec(line);
    if (page)
      // The goal is the first month page's (with or without SrcNum); a deep page is shown beside it.
      rows.push([
        `GetCDR page (${page[1]})`,
        page[3]!,
        `median of ${page[2]}; ${page[4]}`,
        /PageNo 1,/.test(page[1]!) ? '≤ 50 ms' : '—',
      ]);
    const exp = /^export \((one month)\): ([\d.]+ s), (.*), ([\d,]+ records\/s)$/.exec(line);
    if (exp) rows.push([`GetCDR export (${exp[1]})`, exp[4]!, `${exp[2]}, ${exp[3]}`, '≥ 50,000 records/s']);
    const ratio = /^goal: page with SrcNum \/ page without ([\d.]+×)/.exec(line);
    if (ratio) rows.push(['GetCDR month page with SrcNum / without', ratio[1]!, '—', '≤ 2×']);
  }
  if (rows.length < 3) throw new Error(`bench/getcdr.ts printed no figures:\n${out}`);
  return rows;
}

async function main(): Promise<void> {
  const env = labEnv();
  const engineEnv: Record<string, string> = {
    ...(await benchEngineEnv({
      database: DB,
      rooms: `8001-8005,${FIRST}-${FIRST + ROOMS - 1}`,
      port: PORT,
      ariApp: `pms-bench-${process.pid}`,
      account: ACCOUNT,
    })),
    // The engine's defaults unless the caller sets them (e.g. PMS_MAX_IN_FLIGHT=1 for no pipelining).
    ...Object.fromEntries(
      ['PMS_MAX_IN_FLIGHT', 'PMS_DB_CONNECTIONS'].flatMap((k) =>
        process.env[k] ? [[k, process.env[k]!]] : [],
      ),
    ),
  };
  // Start and idle memory first, on the same hotel (its own starts, one after the other).
  const starts = await measureStart(engineEnv, START_RUNS);
  const logFile = resolve(LAB_DIR, 'run', 'bench-engine.log');
  const engine = await startEngineProcess(engineEnv, logFile);
  const rows: string[][] = [];
  try {
    await engine.logged(/^AstDB re-synced from the store$/, 60_000);
    const runs = `median of ${START_RUNS}`;
    const max = (xs: number[]): number => Math.max(...xs);
    rows.push([
      'start to listening (`node dist/src/main.js`)',
      ms(percentile(starts.listenMs, 50), 0),
      `${runs}, max ${ms(max(starts.listenMs), 0)}; links up and AstDB re-synced ${ms(percentile(starts.readyMs, 50), 0)}`,
      '≤ 1,000 ms',
    ]);
    rows.push([
      'idle RSS (30 s after links up and AstDB re-synced)',
      `${percentile(starts.idleRssMiB, 50).toFixed(0)} MiB`,
      `${runs}, max ${max(starts.idleRssMiB).toFixed(0)} MiB; 1 s after re-sync ${percentile(starts.readyRssMiB, 50).toFixed(0)} MiB`,
      '≤ 80 MiB',
    ]);

    const pms = await PmsClient.connect(PORT);
    ok(
      await pms.call([
        ['Action', 'UserLogin'],
        ['CallMethod', 'Account'],
        ['User', ACCOUNT.user],
        ['Password', ACCOUNT.password],
      ]),
      'login',
    );

    const f = await floor(env);
    const floorP50 = percentile(f.ami, 50) + percentile(f.db, 50);
    const floorP99 = percentile(f.ami, 99) + percentile(f.db, 99);
    rows.push([
      'floor: bare AMI DBPut + MariaDB autocommit upsert, p50',
      ms(floorP50, 3),
      `${ms(percentile(f.ami, 50), 3)} + ${ms(percentile(f.db, 50), 3)}`,
      '—',
    ]);

    const setMs: number[] = [];
    for (let i = 0; i < SET_SAMPLES; i++) {
      const t = performance.now();
      ok(
        await pms.call(
          set('ExtenName', [
            ['Phone', roomList[i % ROOMS]!],
            ['Name', `Set ${i}`],
          ]),
        ),
        'ExtenName',
      );
      setMs.push(performance.now() - t);
    }
    const p50 = percentile(setMs, 50);
    const p99 = percentile(setMs, 99);
    rows.push([
      'ExtenName Set round trip, p50',
      ms(p50, 3),
      `${(p50 / floorP50).toFixed(2)}× the floor`,
      '≤ 2×',
    ]);
    rows.push([
      'ExtenName Set round trip, p99',
      ms(p99, 3),
      `${(p99 / floorP99).toFixed(2)}× the floor's p99 (${ms(floorP99, 3)})`,
      '—',
    ]);

    const a1 = audit('a');
    const serialMs = await serial(pms, a1);
    rows.push([
      `night audit, ${a1.length.toLocaleString('en-US')} commands, one reply awaited at a time`,
      perSecond(a1.length, serialMs),
      `${(serialMs / 1000).toFixed(2)} s`,
      '≥ 1,000/s',
    ]);
    const a2 = audit('bb');
    const meter = cpuMeter({
      engine: engine.child.pid,
      asterisk: pidOf('asterisk'),
      mariadb: pidOf('mariadbd'),
      client: process.pid,
    });
    const pipeMs = await pipelined(pms, a2);
    const cpu = meter();
    const cpuLine = Object.entries(cpu)
      .map(([k, v]) => `${k} ${v.toFixed(0)}`)
      .join(', ');
    rows.push([
      `night audit, ${a2.length.toLocaleString('en-US')} commands written at once (new values)`,
      perSecond(a2.length, pipeMs),
      `${(pipeMs / 1000).toFixed(2)} s; replies in order; CPU ms: ${cpuLine}`,
      '≥ 5,000/s',
    ]);
    const replayMs = await pipelined(
      pms,
      a2.map((fr) => fr.map(([k, v]) => [k, v] as [string, string])),
    );
    rows.push([
      `the same audit replayed at once (nothing changes; CheckIn still writes its time)`,
      perSecond(a2.length, replayMs),
      `${(replayMs / 1000).toFixed(2)} s`,
      '—',
    ]);

    const m = await mwi(env, pms);
    rows.push([
      `mailbox change → LeaveMessage (${m.lat.length + m.lost} changes)`,
      `p50 ${ms(percentile(m.lat, 50))}`,
      `p99 ${ms(percentile(m.lat, 99))}; ${m.lost} lost`,
      '—',
    ]);

    rows.push(['RSS after the run', `${(await engine.rssMiB()).toFixed(0)} MiB`, '—', '—']);
    const bad = await astdbMismatches();
    rows.push(['AstDB equal to the store (name, class)', `${ROOMS - bad} of ${ROOMS} rooms`, '—', 'all']);
    await pms.close();
  } finally {
    await engine.stop();
  }
  if (!process.argv.includes('--no-getcdr')) rows.push(...(await getCdrRows()));
  printTable(['measure', 'engine', 'beside it', 'goal'], rows);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
