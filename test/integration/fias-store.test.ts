// The FIAS tables on a real MariaDB (127.0.0.1:3306, no Asterisk): migration 004 and its idempotence,
// the outbox's order and dedupe across a Store restart and its cap, the guest table, the FIAS
// wake-ups joined with the schedule, and WR → busy, busy, answered on the real scheduler → exactly
// one WA, also when the result is reported again or recovered after a restart. Each run uses its
// own databases (pms_fias_it_*), dropped at the end; no other database is touched.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { loadConfig, type Config } from '../../src/config/index.js';
import { fiasWakeupResults, recoverFiasAnswers } from '../../src/fias/inbound/index.js';
import { fiasRecord } from '../../src/fias/record.js';
import { validateRecord } from '../../src/fias/records/index.js';
import { silentLogger } from '../../src/log.js';
import { Store } from '../../src/store/db.js';
import { FiasGuestStore, primaryGuest } from '../../src/store/fias-guests.js';
import { FiasPostingStore } from '../../src/store/fias-postings.js';
import { FiasOutboxStore } from '../../src/store/fias-outbox.js';
import { FiasWakeupStore } from '../../src/store/fias-wakeups.js';
import { cleanRoom } from '../../src/store/rooms.js';
import { WakeupStore } from '../../src/store/wakeups.js';
import { WakeupScheduler } from '../../src/wakeup/scheduler.js';
import { formatLocal } from '../../src/time/zone.js';
import { fiasCore, ScriptedCaller } from '../support/fias-core.js';
import { captureLog } from '../unit/support/capture-log.js';

const DB = `pms_fias_it_${process.pid}`;

function configFor(database: string): Config {
  const loaded = loadConfig({
    env: {},
    values: {
      ami: { username: 'x', password: 'x' },
      ari: { username: 'x', password: 'x' },
      hotel: { rooms: '8001-8004', timeZone: 'UTC' },
      db: { host: '127.0.0.1', port: 3306, user: 'root', password: '', database },
      log: { level: 'silent' },
    },
  });
  // 1 frequency minute = 0.2 s (below what the config accepts, as wakeup-scheduler.test.ts does):
  // the retries of a FIAS wake-up (every 5 minutes) come 1 s apart.
  return { ...loaded, wakeup: { ...loaded.wakeup, minuteSeconds: 0.2, graceSeconds: 60 } };
}

const config = configFor(DB);
const rec = (id: string, fields: Array<[string, string]>) => fiasRecord(id, fields);
const text = (r: { id: string; fields: ReadonlyMap<string, string> }): string =>
  `${r.id}|${[...r.fields].map(([k, v]) => `${k}${v}|`).join('')}`;

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('FIAS store (MariaDB)', { timeout: 120_000 }, () => {
  let store: Store;

  before(async () => {
    const first = new Store(config.db, silentLogger());
    await first.start();
    assert.equal(first.state, 'ready', 'MariaDB at 127.0.0.1:3306 is not reachable');
    await first.knex.raw(`DROP DATABASE IF EXISTS \`${DB}\``);
    await first.stop();
    store = new Store(config.db, silentLogger());
    await store.start();
  });

  beforeEach(async () => {
    for (const t of [
      'fias_outbox',
      'fias_wakeups',
      'fias_guests',
      'fias_message_lights',
      'wakeup_attempts',
      'fias_postings',
      'fias_posting_cursor',
    ])
      await store.knex(t).delete();
    await store.knex('wakeup_occurrences').delete();
    await store.knex('rooms').delete();
  });

  after(async () => {
    await store?.knex.raw(`DROP DATABASE IF EXISTS \`${DB}\``).catch(() => undefined);
    await store?.stop();
  });

  it('migration 004 creates the FIAS tables; running the migrations again changes nothing', async () => {
    for (const t of ['fias_guests', 'fias_wakeups', 'fias_message_lights', 'fias_outbox'])
      assert.equal(await store.knex.schema.hasTable(t), true, t);
    await store.knex('fias_outbox').insert({ record_id: 'RE', fields: '[]', created_at: 1 });
    const again = new Store(config.db, silentLogger());
    await again.start();
    const [rows] = (await again.knex.raw('SELECT name FROM knex_migrations ORDER BY id')) as [
      Array<{ name: string }>,
    ];
    assert.deepEqual(
      rows.map((r) => r.name),
      ['001_rooms', '002_wakeups', '003_voicemail', '004_fias', '005_fias_postings'],
    );
    assert.equal((await again.knex('fias_outbox')).length, 1, 'the data survived');
    await again.stop();
  });

  it('postings: the cursor starts after the newest call record; P# run on with no gap, wrap after 99999999, and a call record is never posted twice', async () => {
    const postings = new FiasPostingStore(store);
    const ps = (cdrId: number) => ({
      cdrId,
      room: '8001',
      build: (n: number) =>
        fiasRecord('PS', [
          ['RN', '8001'],
          ['P#', String(n)],
        ]),
    });
    assert.deepEqual(await postings.cursor(async () => 41), { last: 41, floor: 41 });
    assert.deepEqual(
      await postings.cursor(async () => 99),
      { last: 41, floor: 41 },
      'the first start is remembered',
    );
    const a = await postings.add([ps(42), ps(43)], 45);
    assert.deepEqual(
      a.map((p) => [p.postingNumber, p.cdrId, p.record.fields.get('P#')]),
      [
        [1, 42, '1'],
        [2, 43, '2'],
      ],
    );
    assert.deepEqual(
      await postings.add([ps(40), ps(41), ps(43)], 45),
      [],
      'before the first start, or posted: not again',
    );
    assert.deepEqual(await postings.cursor(async () => 0), { last: 45, floor: 41 });
    // A record that committed late, below the cursor: posted (once).
    assert.deepEqual(
      (await postings.add([ps(44)], 44)).map((p) => p.postingNumber),
      [3],
    );
    assert.deepEqual(
      await postings.cursor(async () => 0),
      { last: 45, floor: 41 },
      'the cursor never goes back',
    );
    // Two pollers reading the same call records at once (serialised by the cursor row): posted once.
    const both = await Promise.all([postings.add([ps(46)], 47), postings.add([ps(46), ps(47)], 47)]);
    assert.deepEqual(
      both
        .flat()
        .map((p) => [p.cdrId, p.postingNumber])
        .sort(),
      [
        [46, 4],
        [47, 5],
      ],
    );
    await store.knex('fias_posting_cursor').update({ next_number: 99_999_999 });
    const wrap = await postings.add([ps(48), ps(49)], 49);
    assert.deepEqual(
      wrap.map((p) => p.postingNumber),
      [99_999_999, 1],
    );
    const first = (await postings.next())!;
    assert.equal(first.cdrId, 42);
    await postings.markSent(first.id);
    await postings.markSent(first.id);
    assert.deepEqual([(await postings.next())!.id, (await postings.next())!.attempts], [first.id, 2]);
    assert.equal(await postings.answered(first.id, 'NG', 'Room not checked in'), true);
    assert.equal(await postings.answered(first.id, 'OK', undefined), false, 'answered once');
    assert.equal((await postings.next())!.cdrId, 43);
    const [newest] = await postings.recent(1);
    assert.equal(newest!.cdrId, 49);
    const refused = (await postings.recent(10)).find((p) => p.cdrId === 42)!;
    assert.deepEqual(
      [refused.state, refused.answer, refused.answerText],
      ['refused', 'NG', 'Room not checked in'],
    );
  });

  it('outbox: oldest first, field order kept, across a Store restart; sent() moves on', async () => {
    const log = silentLogger();
    const outbox = new FiasOutboxStore(store, log);
    let added = 0;
    outbox.onAdded(() => added++);
    await outbox.add(
      rec('RE', [
        ['RN', '8001'],
        ['VM', '0102'],
      ]),
    );
    await outbox.add(
      rec('WA', [
        ['RN', '8002'],
        ['DA', '261204'],
        ['TI', '070000'],
        ['AS', 'OK'],
      ]),
    );
    await outbox.add(
      rec('RE', [
        ['VM', '0000'],
        ['RN', '8003'],
      ]),
    );
    assert.equal(added, 3);

    const restarted = new Store(config.db, silentLogger());
    await restarted.start();
    const after = new FiasOutboxStore(restarted, log);
    const seen: string[] = [];
    for (let next = await after.peek(); next; next = await after.peek()) {
      seen.push(text(next.record));
      await after.sent(next.id);
    }
    await restarted.stop();
    assert.deepEqual(seen, ['RE|RN8001|VM0102|', 'WA|RN8002|DA261204|TI070000|ASOK|', 'RE|VM0000|RN8003|']);
    assert.equal(await outbox.peek(), undefined);
  });

  it('outbox: a key is queued once, also after a restart; over the cap a record is refused with a warning', async () => {
    const logs = captureLog('warn');
    const outbox = new FiasOutboxStore(store, logs.log, { cap: 2 });
    assert.equal(await outbox.add(rec('WA', [['RN', '8001']]), { key: 'WA:1' }), true);
    assert.equal(await outbox.add(rec('WA', [['RN', '8001']]), { key: 'WA:1' }), false);
    const restarted = new Store(config.db, silentLogger());
    await restarted.start();
    assert.equal(await new FiasOutboxStore(restarted, logs.log).add(rec('WA', []), { key: 'WA:1' }), false);
    await restarted.stop();
    assert.equal(
      await outbox.add(
        rec('RE', [
          ['RN', '8002'],
          ['VM', 'Y'],
        ]),
      ),
      true,
    );
    assert.equal(
      await outbox.add(
        rec('RE', [
          ['RN', '8003'],
          ['VM', 'Y'],
        ]),
      ),
      false,
    );
    assert.equal(logs.lines.length, 1);
    assert.match(String(logs.lines[0]?.msg), /outbox full/);
    assert.equal((await store.knex('fias_outbox')).length, 2, 'the older ones kept');
  });

  it('guests: upsert keeps arrival order and sharer flag, the primary is the first non-sharer; rooms move and empty', async () => {
    const guests = new FiasGuestStore(store);
    const g = (reservation: string, name: string, sharer: boolean) => ({
      room: '8001',
      reservation,
      name,
      firstName: null,
      title: null,
      language: 'EA',
      sharer,
      createdAt: 1,
    });
    await guests.upsert(g('2', '张三', true));
    await guests.upsert(g('1', 'Primary', false));
    await guests.upsert({ ...g('2', '张三丰', false), language: 'GE' });
    const list = await guests.list('8001');
    assert.deepEqual(
      list.map((x) => [x.reservation, x.name, x.sharer, x.language]),
      [
        ['2', '张三丰', true, 'GE'],
        ['1', 'Primary', false, 'EA'],
      ],
    );
    assert.equal(primaryGuest(list)?.reservation, '1');
    await guests.upsert({ ...g('9', 'Elsewhere', false), room: '8003' });
    assert.deepEqual(
      (await guests.all()).map((x) => [x.room, x.reservation]),
      [
        ['8001', '2'],
        ['8001', '1'],
        ['8003', '9'],
      ],
      'all(): room by room, in order of arrival',
    );
    assert.equal(await guests.removeRoom('8003'), 1);
    assert.equal(await guests.moveRoom('8001', '8002'), 2);
    assert.deepEqual(await guests.list('8001'), []);
    assert.equal(await guests.remove('8002', '1'), true);
    assert.equal(await guests.remove('8002', '1'), false);
    assert.equal(await guests.removeRoom('8002'), 1);
  });

  it('FIAS wake-ups: open() follows the occurrence through a room move; cancelIds cancels only those', async () => {
    const wakeups = new WakeupStore(store);
    const fias = new FiasWakeupStore(store);
    const planned = (dueAt: number) => ({
      strategy: 1,
      localDate: '2026-12-04',
      localStart: '07:00',
      dueAt,
      frequencyMin: 5,
      maxAttempts: 3,
      file: 'fpm-world-mix.gsm',
    });
    const [a, b] = await wakeups.add('8001', [planned(1e12), planned(2e12)], 0);
    await fias.add({ occurrenceId: a!, room: '8001', date: '261204', time: '070000', createdAt: 0 });
    await fias.add({ occurrenceId: b!, room: '8001', date: '261205', time: '070000', createdAt: 0 });
    assert.deepEqual(await fias.open('8001', undefined), [a, b]);
    assert.deepEqual(await fias.open('8001', { date: '261205', time: '070000' }), [b]);
    await wakeups.move('8001', '8003', 0);
    assert.deepEqual(await fias.open('8001', undefined), []);
    assert.deepEqual(await fias.open('8003', undefined), [a, b]);
    assert.equal(await wakeups.cancelIds([a!], 5), 1);
    assert.deepEqual(await fias.open('8003', undefined), [b]);
    assert.equal((await wakeups.forRoom('8003')).find((o) => o.id === b)?.state, 'pending');
  });

  it('GI, GI (sharer), GO, GO on the real store: guests and room in one transaction; the last GO cleans', async () => {
    const { inbound, roomStore } = fiasCore(store, config);
    const send = (id: string, fields: Array<[string, string]>) => {
      const checked = validateRecord(rec(id, fields));
      assert.ok(checked.ok);
      return inbound.handle(checked.value);
    };
    await send('GI', [
      ['RN', '8001'],
      ['G#', '1'],
      ['GN', 'Guest, Mr.'],
      ['CS', '2'],
    ]);
    await send('GI', [
      ['RN', '8001'],
      ['G#', '2'],
      ['GN', 'Sharer, Dr.'],
      ['GS', 'Y'],
    ]);
    await send('GO', [
      ['RN', '8001'],
      ['G#', '1'],
    ]);
    assert.equal((await roomStore.get('8001')).guestName, 'Sharer, Dr.');
    assert.equal((await roomStore.get('8001')).classOfService, 4);
    await send('GO', [
      ['RN', '8001'],
      ['G#', '2'],
    ]);
    assert.deepEqual(await roomStore.get('8001'), cleanRoom('8001'));
    assert.deepEqual(await store.knex('fias_guests'), []);
  });

  it('WR → busy, busy, answered on the real scheduler → exactly one WA (AS OK, DA/TI as requested), also after a restart', async () => {
    const logs = captureLog('info');
    const { inbound, wakeupStore, fiasWakeups, outbox, attach } = fiasCore(store, config);
    const caller = new ScriptedCaller();
    caller.script = ['busy', 'busy', 'answered'];
    const onFias = fiasWakeupResults(fiasWakeups, outbox, logs.log);
    const finals: number[] = [];
    const scheduler = new WakeupScheduler(
      wakeupStore,
      caller,
      config.wakeup,
      silentLogger(),
      Date.now,
      (r) => {
        finals.push(r.occurrence.id);
        onFias(r);
        onFias(r); // a second report of the same result: still one WA
      },
    );
    attach(scheduler);
    try {
      const due = new Date(Date.now() + 1_000);
      const local = formatLocal(due, 'UTC'); // YYYY-MM-DD hh:mm:ss
      const da = local.slice(2, 10).replaceAll('-', '');
      const ti = local.slice(11).replaceAll(':', '');
      const checked = validateRecord(
        rec('WR', [
          ['RN', '8002'],
          ['DA', da],
          ['TI', ti],
        ]),
      );
      assert.ok(checked.ok);
      await scheduler.start();
      await inbound.handle(checked.value);
      await until(async () => (await store.knex('fias_outbox')).length === 1);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(caller.calls, ['8002', '8002', '8002']);
      assert.equal(finals.length, 1, 'one final result');
      const rows = (await store.knex('fias_outbox')) as Array<{
        record_id: string;
        fields: string;
        dedupe_key: string;
      }>;
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.dedupe_key, `WA:${finals[0]}`);
      assert.equal(
        text(fiasRecord(rows[0]!.record_id, JSON.parse(rows[0]!.fields) as Array<[string, string]>)),
        `WA|RN8002|DA${da}|TI${ti}|ASOK|`,
      );
    } finally {
      scheduler.stop();
    }
    // After a restart: nothing left to recover, the listener again queues nothing.
    const restarted = new Store(config.db, silentLogger());
    await restarted.start();
    const outbox2 = new FiasOutboxStore(restarted, silentLogger());
    assert.equal(await recoverFiasAnswers(new FiasWakeupStore(restarted), outbox2, silentLogger()), 0);
    await restarted.stop();
    assert.equal((await store.knex('fias_outbox')).length, 1);
  });

  it('WR, WR, WC of one on the real wake-up service: that occurrence cancelled and its row cleared, the other pending', async () => {
    const { inbound, wakeupStore } = fiasCore(store, config);
    const send = async (id: string, fields: Array<[string, string]>) => {
      const checked = validateRecord(rec(id, fields));
      assert.ok(checked.ok);
      await inbound.handle(checked.value);
    };
    await send('WR', [
      ['RN', '8004'],
      ['DA', '261231'],
      ['TI', '070000'],
    ]);
    await send('WR', [
      ['RN', '8004'],
      ['DA', '261231'],
      ['TI', '073000'],
    ]);
    await send('WR', [
      ['RN', '8004'],
      ['DA', '261231'],
      ['TI', '073000'],
    ]); // a repeat: no third
    await send('WC', [
      ['RN', '8004'],
      ['DA', '261231'],
      ['TI', '070000'],
    ]);
    const occ = await wakeupStore.forRoom('8004');
    assert.deepEqual(
      occ.map((o) => [o.localStart, o.state, o.maxAttempts, o.frequencyMin]),
      [
        ['07:00', 'cancelled', 3, 5],
        ['07:30', 'pending', 3, 5],
      ],
    );
    const rows = (await store.knex('fias_wakeups').orderBy('occurrence_id')) as Array<{
      state: string;
      time: string;
    }>;
    assert.deepEqual(
      rows.map((r) => [r.time, r.state]),
      [
        ['070000', 'cleared'],
        ['073000', 'set'],
      ],
    );
  });

  it('a final wake-up whose WA was never queued is recovered once at the next start', async () => {
    const { inbound, wakeupStore, fiasWakeups, outbox } = fiasCore(store, config);
    const checked = validateRecord(
      rec('WR', [
        ['RN', '8003'],
        ['DA', '261231'],
        ['TI', '235959'],
      ]),
    );
    assert.ok(checked.ok);
    await inbound.handle(checked.value);
    const [occ] = await wakeupStore.forRoom('8003');
    const started = await wakeupStore.begin(occ!.id, Date.now());
    await wakeupStore.finish(started!, 'answered', { now: Date.now(), startedAt: Date.now(), retryMs: 1 });
    assert.equal(await recoverFiasAnswers(fiasWakeups, outbox, silentLogger()), 1);
    assert.equal(await recoverFiasAnswers(fiasWakeups, outbox, silentLogger()), 0);
    const [row] = (await store.knex('fias_outbox')) as Array<{ fields: string }>;
    assert.deepEqual(JSON.parse(row!.fields), [
      ['RN', '8003'],
      ['DA', '261231'],
      ['TI', '235959'],
      ['AS', 'OK'],
    ]);
  });
});
