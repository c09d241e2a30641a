// Wake-up calls on the lab (issue 4): AlarmClock through the PMS protocol → ARI calls that ring the lab's
// baresip phones and play the prompt, retries, room changes and check-outs, and engine crashes.
// Wake-ups are set for the coming minute (AlarmClock has minute resolution), so each test waits for
// a minute boundary. Each test's engine has its own database: no wake-up outlives this file.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { PmsClient } from '../../src/client/pms-client.js';
import type { Frame } from '../../src/protocol/index.js';
import { WakeupStore } from '../../src/store/wakeups.js';
import type { Attempt, Occurrence } from '../../src/store/wakeup-records.js';
import { formatLocal, parseLocal, systemTimeZone } from '../../src/time/zone.js';
import { labAri, labEnv, requireLab } from '../lab/lab.js';
import { startLabEngine, labDatabase, type LabEngine } from '../lab/engine.js';
import { phone, type Phone } from '../lab/phone.js';
import { waitFor } from '../support/wait.js';

const TZ = labEnv().PMS_HOTEL_TIMEZONE || systemTimeZone();
const CALLER_NAME = 'Wake-up call';
/** A prompt is ~6.5 s of speech; anything clearly above the silence the phones record otherwise. */
const MIN_RMS = 0.02;

/** The coming minute as AlarmClock's `hh:mm` and its instant (UTC ms). */
function comingMinute(plus = 1): { hhmm: string; at: number } {
  const local = formatLocal(new Date(Date.now() + plus * 60_000), TZ);
  const at = parseLocal(`${local.slice(0, 16)}:00`, TZ)!.getTime();
  return { hhmm: local.slice(11, 16), at };
}

async function setAlarm(pms: PmsClient, ext: string, value: string): Promise<Frame> {
  return pms.call(
    [
      ['Action', 'Set'],
      ['CallMethod', 'AlarmClock'],
      ['Phone', ext],
      ['AlarmClock', value],
    ],
    30_000,
  );
}

async function expectSuccess(reply: Promise<Frame>): Promise<Frame> {
  const r = await reply;
  assert.equal(r.get('Response'), 'Success', r.get('Message'));
  return r;
}

/** Waits for a wake-up call on `p`, lets it run to the end, and returns what the phone heard. */
async function heardWakeup(p: Phone, timeoutMs: number) {
  const incoming = await p.waitForEvent('CALL_INCOMING', timeoutMs);
  assert.equal(incoming.callerName, CALLER_NAME, `phone ${p.ext} shows the wake-up service as caller`);
  await p.waitForEvent('CALL_CLOSED', 30_000);
  return p.lastRecording();
}

describe('wake-up calls through the PMS protocol (in-process engine)', () => {
  let lab: LabEngine;
  let store: WakeupStore;
  const phones = new Map<string, Phone>();

  before(async () => {
    await requireLab();
    const db = await labDatabase();
    await db.query('DROP DATABASE IF EXISTS pms_wakeup_it');
    await db.end();
    lab = await startLabEngine(
      {
        db: { database: 'pms_wakeup_it' },
        ari: { app: `pms-wakeup-it-${process.pid}` },
        // Lab clock: one `frequency` minute lasts 2 s (retries 10 s apart); an attempt rings 8 s.
        wakeup: { minuteSeconds: 2, ringSeconds: 8, maxConcurrentCalls: 4 },
      },
      process.env.PMS_TEST_LOG ? pino({ level: process.env.PMS_TEST_LOG }) : undefined,
    );
    store = new WakeupStore(lab.engine.store);
    for (const ext of ['8001', '8002', '8003', '8004']) phones.set(ext, phone(ext));
    await Promise.all([...phones.values()].map((p) => p.ready()));
  });

  after(async () => {
    for (const p of phones.values()) p.close();
    await lab?.pms.close();
    await lab?.engine.stop();
  });

  const only = async (ext: string): Promise<{ o: Occurrence; attempts: Attempt[] }> => {
    const list = (await store.forRoom(ext)).filter((o) => o.state !== 'cancelled');
    assert.equal(list.length, 1, `one live wake-up for ${ext}: ${JSON.stringify(list)}`);
    return { o: list[0]!, attempts: await store.attempts(list[0]!.id) };
  };

  it('rings at the due second and the guest hears the prompt in .gsm, .ulaw and .alaw; an unanswered phone gets num attempts, frequency apart, then "noanswer"', async () => {
    const due = comingMinute();
    const formats = { '8001': 'fpm-world-mix.gsm', '8002': 'pms-wakeup.ulaw', '8003': 'pms-wakeup.alaw' };
    for (const [ext, file] of Object.entries(formats)) {
      const r = await expectSuccess(setAlarm(lab.pms, ext, `${due.hhmm}**5*1*${file}*1&`));
      assert.equal(r.get('AlarmClock'), `${due.hhmm}**5*1*${file}&`);
    }
    // 8004 answers only by hand: it never answers here.
    await expectSuccess(setAlarm(lab.pms, '8004', `${due.hhmm}**5*1**3&`));
    const wait = due.at - Date.now() + 20_000;

    const heard = await Promise.all(Object.keys(formats).map((ext) => heardWakeup(phones.get(ext)!, wait)));
    for (const [i, rec] of heard.entries()) {
      const ext = Object.keys(formats)[i]!;
      assert.ok(rec.seconds > 2, `${ext} heard ${rec.seconds} s`);
      assert.ok(rec.rms > MIN_RMS, `${ext} heard silence (RMS ${rec.rms}, ${rec.file})`);
      const { o, attempts } = await only(ext);
      assert.equal(o.state, 'answered');
      assert.equal(attempts.length, 1);
      assert.equal(attempts[0]!.result, 'answered');
      const late = attempts[0]!.startedAt - due.at;
      // At the due second: tens of ms on a quiet machine; allow for a loaded one.
      assert.ok(late >= 0 && late < 3000, `${ext}: placed ${late} ms after the due second`);
      console.log(
        `# ${ext} ${formats[ext as keyof typeof formats]}: placed ${late} ms after due, heard ${rec.seconds.toFixed(1)} s, RMS ${rec.rms}`,
      );
    }

    // 8004: three attempts at due, due+10 s, due+20 s (each rings 8 s), then the final result.
    const p4 = phones.get('8004')!;
    for (let n = 1; n <= 3; n++) await p4.waitForEvent('CALL_INCOMING', 40_000);
    await waitUntil(
      async () => (await only('8004')).o.state !== 'pending' && (await only('8004')).o.state !== 'calling',
      30_000,
    );
    const { o, attempts } = await only('8004');
    assert.equal(o.state, 'noanswer');
    assert.deepEqual(
      attempts.map((a) => a.result),
      ['noanswer', 'noanswer', 'noanswer'],
    );
    const gaps = attempts.slice(1).map((a, i) => a.startedAt - attempts[i]!.startedAt);
    for (const g of gaps) assert.ok(g >= 10_000 && g < 11_500, `attempts ${g} ms apart (frequency 5 × 2 s)`);
    console.log(`# 8004 not answered: attempts ${gaps.join(' / ')} ms apart, final ${o.state}`);
  });

  it('ChangeRoom moves a pending wake-up (the new room rings, the old does not); ExtenClean cancels one', async () => {
    const due = comingMinute();
    await expectSuccess(setAlarm(lab.pms, '8001', `${due.hhmm}**5*1**1&`));
    await expectSuccess(setAlarm(lab.pms, '8003', `${due.hhmm}**5*1**1&`));
    await expectSuccess(
      lab.pms.call(
        [
          ['Action', 'Set'],
          ['CallMethod', 'ChangeRoom'],
          ['FromPhone', '8001'],
          ['ToPhone', '8002'],
        ],
        30_000,
      ),
    );
    await expectSuccess(
      lab.pms.call(
        [
          ['Action', 'Set'],
          ['CallMethod', 'ExtenClean'],
          ['Phone', '8003'],
        ],
        30_000,
      ),
    );
    const before = {
      '8001': phones.get('8001')!.events().length,
      '8003': phones.get('8003')!.events().length,
    };
    const rec = await heardWakeup(phones.get('8002')!, due.at - Date.now() + 20_000);
    assert.ok(
      rec.seconds > 2 && rec.rms > MIN_RMS,
      `8002 heard the prompt (${rec.seconds} s, RMS ${rec.rms})`,
    );
    // Give a wrong call every chance to show up, then look.
    await new Promise((r) => setTimeout(r, 5_000));
    for (const ext of ['8001', '8003'] as const) {
      const calls = phones
        .get(ext)!
        .events()
        .slice(before[ext])
        .filter((e) => e.type === 'CALL_INCOMING');
      assert.equal(calls.length, 0, `${ext} must not ring`);
    }
    const moved = (await store.forRoom('8002')).filter((o) => o.dueAt === due.at);
    assert.deepEqual(
      moved.map((o) => o.state),
      ['answered'],
    );
    assert.equal((await store.forRoom('8001')).filter((o) => o.dueAt === due.at).length, 0);
    assert.deepEqual(
      (await store.forRoom('8003')).filter((o) => o.dueAt === due.at).map((o) => o.state),
      ['cancelled'],
    );
  });

  it('refuses malformed AlarmClock values over the wire and changes nothing', async () => {
    const later = comingMinute(120);
    await expectSuccess(setAlarm(lab.pms, '8001', `${later.hhmm}**5*2**3&`));
    const snapshot = JSON.stringify(await store.forRoom('8001'));
    const bad: Array<[string, RegExp]> = [
      [`${later.hhmm}**5*1*fpm-world-mix.gsm`, /must end with &/],
      [`${later.hhmm}**4*1**&`, /frequency must be 5\.\.720/],
      [`${later.hhmm}**5*1*../../../etc/passwd.gsm*3&`, /bare file name/],
      [`${later.hhmm}**5*1*nope.ulaw*3&`, /not in the prompt library/],
      [`${later.hhmm}**5*1**11&`, /num must be 1\.\.10/],
      ['07:00**5*1**&07:20**5*1**&', /less than 30 minutes apart/],
    ];
    for (const [value, message] of bad) {
      const r = await setAlarm(lab.pms, '8001', value);
      assert.equal(r.get('Response'), 'Error', value);
      assert.match(r.get('Message') ?? '', message);
      assert.equal(r.get('Phone'), '8001');
    }
    const missing = await lab.pms.call([
      ['Action', 'Set'],
      ['CallMethod', 'AlarmClock'],
      ['Phone', '8001'],
    ]);
    assert.match(missing.get('Message') ?? '', /AlarmClock is required/);
    const notRoom = await setAlarm(lab.pms, '9999', `${later.hhmm}**5*1**3&`);
    assert.match(notRoom.get('Message') ?? '', /not a room extension/);
    assert.equal(JSON.stringify(await store.forRoom('8001')), snapshot, 'nothing changed');
    // An empty value cancels them.
    const cancel = await expectSuccess(setAlarm(lab.pms, '8001', ''));
    assert.equal(cancel.get('AlarmClock'), '');
    assert.ok((await store.forRoom('8001')).every((o) => o.state !== 'pending'));
  });
});

describe('wake-up calls survive engine crashes (engine process, SIGKILL)', () => {
  const DB = 'pms_wakeup_crash_it';
  const phones = new Map<string, Phone>();
  let child: ChildProcess | undefined;

  before(async () => {
    await requireLab();
    const db = await labDatabase();
    await db.query(`DROP DATABASE IF EXISTS ${DB}`);
    await db.end();
    for (const ext of ['8001', '8002', '8003', '8004']) phones.set(ext, phone(ext));
    await Promise.all([...phones.values()].map((p) => p.ready()));
  });

  after(async () => {
    for (const p of phones.values()) p.close();
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await waitFor(child, 'exit', 15_000);
    }
  });

  /** Starts src/main.ts against the lab with its own database; resolves with its PMS port. */
  async function startEngine(graceSeconds: number, ringSeconds = 10): Promise<number> {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        ...labEnv(),
        PMS_LISTEN_HOST: '127.0.0.1',
        PMS_LISTEN_PORT: '0',
        PMS_DB_DATABASE: DB,
        PMS_ARI_APP: `pms-wakeup-crash-${process.pid}`,
        PMS_WAKEUP_GRACE_SECONDS: String(graceSeconds),
        PMS_WAKEUP_RING_SECONDS: String(ringSeconds),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! });
    // Listening comes first; commands that need the store work once it re-synced AstDB from it.
    let port: number | undefined;
    return new Promise((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new Error('engine not ready within 60 s')), 60_000);
      lines.on('line', (l) => {
        if (l.includes('PMS server listening')) port = Number((JSON.parse(l) as { port: number }).port);
        if (!l.includes('AstDB re-synced from the store') || port === undefined) return;
        clearTimeout(timer);
        resolvePort(port);
      });
    });
  }

  async function kill(): Promise<void> {
    child!.kill('SIGKILL');
    await waitFor(child!, 'exit', 10_000);
  }

  it('a wake-up set before a SIGKILL is placed after the restart: before its due time, and within the grace period after it; beyond the grace period it is recorded as missed', async () => {
    const port = await startEngine(600);
    const pms = await PmsClient.connect(port);
    assert.equal(
      (
        await pms.call([
          ['Action', 'UserLogin'],
          ['CallMethod', 'Account'],
          ['User', 'admin'],
          ['Password', 'admin'],
        ])
      ).get('Response'),
      'Success',
    );
    const m1 = comingMinute(1);
    const m2 = comingMinute(2);
    const m3 = comingMinute(3);
    await expectSuccess(setAlarm(pms, '8003', `${m1.hhmm}**5*1**1&`)); // due while down, far too late
    await expectSuccess(setAlarm(pms, '8002', `${m2.hhmm}**5*1**1&`)); // due while down, within grace
    await expectSuccess(setAlarm(pms, '8001', `${m3.hhmm}**5*1**1&`)); // due after the restart
    await pms.close();
    await kill();

    // Down across m1 and m2; back 15 s after m2 with a 30 s grace: 8003 is 75 s late, 8002 15 s.
    await new Promise((r) => setTimeout(r, m2.at + 15_000 - Date.now()));
    const restartedAt = Date.now();
    await startEngine(30);

    const rec2 = await heardWakeup(phones.get('8002')!, 30_000);
    assert.ok(
      rec2.rms > MIN_RMS && rec2.seconds > 2,
      `8002 heard the prompt after the restart (RMS ${rec2.rms})`,
    );
    const rec1 = await heardWakeup(phones.get('8001')!, m3.at - Date.now() + 20_000);
    assert.ok(rec1.rms > MIN_RMS && rec1.seconds > 2, `8001 heard the prompt (RMS ${rec1.rms})`);
    assert.equal(
      phones
        .get('8003')!
        .events()
        .filter((e) => e.type === 'CALL_INCOMING').length,
      0,
      '8003 was missed: it must not ring',
    );

    const db = await labDatabase({ database: DB });
    const [rows] = (await db.query(
      `SELECT o.extension, o.state, o.due_at, a.started_at, a.result
         FROM wakeup_occurrences o LEFT JOIN wakeup_attempts a ON a.occurrence_id = o.id
        ORDER BY o.extension`,
    )) as unknown as [
      Array<{
        extension: string;
        state: string;
        due_at: number;
        started_at: number | null;
        result: string | null;
      }>,
    ];
    await db.end();
    const by = Object.fromEntries(rows.map((r) => [r.extension, r]));
    assert.equal(by['8003']?.state, 'missed');
    assert.equal(by['8003']?.started_at, null);
    assert.equal(by['8002']?.state, 'answered');
    assert.ok(Number(by['8002']!.started_at) - restartedAt < 5_000, '8002 placed at once after the restart');
    assert.equal(by['8001']?.state, 'answered');
    const late1 = Number(by['8001']!.started_at) - m3.at;
    assert.ok(late1 >= 0 && late1 < 3000, `8001 placed ${late1} ms after its due second`);
    console.log(
      `# after SIGKILL: 8002 placed ${Number(by['8002']!.started_at) - m2.at} ms after due (down at due), 8001 ${late1} ms after due, 8003 missed`,
    );
  });
  it('SIGKILL while a wake-up rings: the restarted engine adopts the ringing call (one call, one channel to the room) and the guest hears the prompt', async () => {
    if (child && child.exitCode === null) await kill();
    const port = await startEngine(600, 40);
    const pms = await PmsClient.connect(port);
    const login = await pms.call([
      ['Action', 'UserLogin'],
      ['CallMethod', 'Account'],
      ['User', 'admin'],
      ['Password', 'admin'],
    ]);
    assert.equal(login.get('Response'), 'Success');
    const due = comingMinute(1);
    await expectSuccess(setAlarm(pms, '8004', `${due.hhmm}**5*1**1&`)); // 8004 rings until answered
    await pms.close();
    const p4 = phones.get('8004')!;
    const from = p4.events().length;
    const seen = roomChannels('8004');
    try {
      await p4.waitForEvent('CALL_INCOMING', due.at - Date.now() + 20_000);
      await new Promise((r) => setTimeout(r, 4_000));
      await kill(); // 4 s into the ringing
      await startEngine(600, 40); // at once
      await new Promise((r) => setTimeout(r, 1_000));
      await p4.answer(); // the guest picks up the call the dead engine placed
      await p4.waitForEvent('CALL_CLOSED', 60_000);
    } finally {
      seen.stop();
    }
    const rec = await p4.lastRecording();
    assert.ok(
      rec.rms > MIN_RMS && rec.seconds > 2,
      `8004 heard the prompt (${rec.seconds} s, RMS ${rec.rms})`,
    );
    await new Promise((r) => setTimeout(r, 3_000)); // a second call would ring by now
    const calls = p4
      .events()
      .slice(from)
      .filter((e) => e.type === 'CALL_INCOMING');
    assert.equal(calls.length, 1, 'the room rang once');
    assert.equal(seen.peak, 1, 'Asterisk never had two channels to the room');
    assert.equal(seen.names.size, 1, `one channel in all: ${[...seen.names].join(', ')}`);

    const db = await labDatabase({ database: DB });
    const [rows] = (await db.query(
      `SELECT a.attempt, a.result FROM wakeup_occurrences o JOIN wakeup_attempts a ON a.occurrence_id = o.id
        WHERE o.extension = '8004' AND o.due_at = ? ORDER BY a.id`,
      [due.at],
    )) as unknown as [Array<{ attempt: number; result: string }>];
    await db.end();
    // The dead engine's attempt is recorded as interrupted; the same attempt, adopted, answered.
    assert.deepEqual(
      rows.map((r) => [r.attempt, r.result]),
      [
        [1, 'interrupted'],
        [1, 'answered'],
      ],
    );
    console.log(
      `# SIGKILL 4 s into the ringing: 1 call, 1 channel to 8004, adopted and answered (heard ${rec.seconds.toFixed(1)} s)`,
    );
  });
});

/** Polls Asterisk (ARI) for the channels to a room's phone: the most at once, and every one seen. */
function roomChannels(ext: string): { peak: number; names: Set<string>; stop(): void } {
  const seen = { peak: 0, names: new Set<string>(), stop: () => clearInterval(timer) };
  const timer = setInterval(() => {
    labAri('/channels', 1000)
      .then(async (r) => (await r.json()) as Array<{ name: string }>)
      .then((list) => {
        const mine = list.filter((c) => c.name.startsWith(`PJSIP/${ext}-`));
        for (const c of mine) seen.names.add(c.name);
        seen.peak = Math.max(seen.peak, mine.length);
      })
      .catch(() => undefined);
  }, 200);
  return seen;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
