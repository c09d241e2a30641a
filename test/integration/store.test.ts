// The store on the lab's MariaDB: the database is created, migrations are idempotent, rooms round-trip
// (Chinese names included), a transaction is all-or-nothing, and a database that is down fails fast.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StoreUnavailableError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { Store } from '../../src/store/db.js';
import { cleanRoom, RoomStore, roomsEmptyAtStart } from '../../src/store/rooms.js';
import { labConfig, requireLab } from '../lab/lab.js';

describe('store (MariaDB of the lab)', () => {
  const config = labConfig({ db: { database: 'pms_engine_store_test' } });
  let store: Store;
  let rooms: RoomStore;

  let emptyAtStart: Promise<boolean>;

  before(async () => {
    await requireLab();
    // Start from no database at all, as on a fresh machine.
    const first = new Store(config.db, silentLogger());
    await first.start();
    await first.knex.raw('DROP DATABASE IF EXISTS pms_engine_store_test');
    await first.stop();
    store = new Store(config.db, silentLogger());
    emptyAtStart = roomsEmptyAtStart(store);
    await store.start();
    rooms = new RoomStore(store);
  });
  after(() => store?.stop());

  it('creates the database with utf8mb4 and the rooms table', async () => {
    const [rows] = (await store.knex.raw(
      "SELECT DEFAULT_CHARACTER_SET_NAME AS cs FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'pms_engine_store_test'",
    )) as [Array<{ cs: string }>];
    assert.equal(rows[0]?.cs, 'utf8mb4');
    assert.equal(await store.knex.schema.hasTable('rooms'), true);
  });

  it('running the migrations again (a restart) changes nothing', async () => {
    const again = new Store(config.db, silentLogger());
    await again.start();
    const [rows] = (await again.knex.raw('SELECT name FROM knex_migrations')) as [Array<{ name: string }>];
    assert.deepEqual(
      rows.map((r) => r.name),
      ['001_rooms', '002_wakeups', '003_voicemail', '004_fias', '005_fias_postings'],
    );
    await again.stop();
  });

  it('the room table as the store first opened (our FIAS DR): empty on a new database, read before the store is ready', async () => {
    assert.equal(await emptyAtStart, true);
    const again = new Store(config.db, silentLogger());
    let reads = 0;
    const stillEmpty = again.atFirstOpen(async (k) => (reads++, (await k('rooms').first()) === undefined));
    const seen: string[] = [];
    again.on('state', (state) => seen.push(`${state}:${reads}`));
    await new RoomStore(store).save({ ...cleanRoom('8009'), guestName: 'Early' });
    await again.start();
    assert.equal(await stillEmpty, false, 'a room written before this store opened');
    assert.ok(seen.includes('ready:1'), `read before ready (${seen.join(' ')})`);
    assert.equal(reads, 1);
    await again.stop();
    await store.knex('rooms').where({ extension: '8009' }).delete();
  });

  it('a room never written is clean; a saved room round-trips, Chinese name and UTC times included', async () => {
    assert.deepEqual(await rooms.get('8001'), cleanRoom('8001'));
    const room = {
      ...cleanRoom('8001'),
      guestName: '张三丰 (VIP)',
      classOfService: 4 as const,
      dnd: { on: true, start: new Date('2026-03-08T07:30:00Z'), end: new Date('2026-03-08T15:30:00Z') },
      voicemail: { enabled: true, mwi: true, email: 'guest@example.com', attach: false },
      checkedInAt: new Date('2026-03-07T12:00:00Z'),
    };
    await rooms.save(room);
    assert.deepEqual(await rooms.get('8001'), room);
    await rooms.save({ ...room, classOfService: 2 });
    assert.equal((await rooms.get('8001')).classOfService, 2);
    assert.deepEqual(
      (await rooms.list()).map((r) => r.extension),
      ['8001'],
    );
  });

  it('the database refuses a class outside 1..5 even if a bug let one through', async () => {
    await assert.rejects(rooms.save({ ...cleanRoom('8002'), classOfService: 9 as 1 }));
    assert.deepEqual(await rooms.get('8002'), cleanRoom('8002'));
  });

  it('a transaction is all or nothing', async () => {
    await assert.rejects(
      rooms.transaction(async (trx) => {
        await rooms.save({ ...cleanRoom('8003'), guestName: 'half' }, trx);
        throw new Error('second half failed');
      }),
      /second half failed/,
    );
    assert.deepEqual(await rooms.get('8003'), cleanRoom('8003'));
  });

  it('a database that cannot be reached fails fast with StoreUnavailableError, never hangs', async () => {
    const down = new Store(
      { ...config.db, port: 1, connectTimeoutMs: 1000, reconnect: { initialDelayMs: 50, maxDelayMs: 100 } },
      silentLogger(),
    );
    const starting = down.start();
    const t0 = Date.now();
    await assert.rejects(new RoomStore(down).get('8001'), StoreUnavailableError);
    assert.ok(Date.now() - t0 < 200);
    assert.equal(down.state === 'connecting' || down.state === 'reconnecting', true);
    await down.stop();
    await starting;
  });
});
