// The database as a link, on the lab's MariaDB behind a proxy that can freeze (no reset, no FIN: a
// hung server or a network dropping packets). A query that misses db.queryTimeoutMs fails, the link
// goes `reconnecting` and every later query fails at once; a transaction caught by the freeze never
// commits later; when the database answers again the link is `ready` again and says so (`ready`), so
// the engine re-syncs and restarts the wake-ups.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Config } from '../../src/config/index.js';
import { StoreUnavailableError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { Store } from '../../src/store/db.js';
import { cleanRoom, RoomStore } from '../../src/store/rooms.js';
import { labConfig, requireLab } from '../lab/lab.js';
import { FreezableProxy } from '../support/tcp-proxy.js';
import { waitFor, within } from '../support/wait.js';

interface ProxiedStore {
  proxy: FreezableProxy;
  store: Store;
  rooms: RoomStore;
}

/**
 * A store on the lab's MariaDB through a freezable proxy, with short deadlines (query 500 ms, connect
 * 1 s, reconnect 50-200 ms), started in `before` and stopped in `after`. `db` overrides the rest.
 */
function proxiedStore(db: Partial<Config['db']>): ProxiedStore {
  const base = labConfig({ db: { database: 'pms_engine_link_test' } }).db;
  const t = {} as ProxiedStore;
  before(async () => {
    await requireLab();
    t.proxy = new FreezableProxy({ host: base.host, port: base.port });
    const port = await t.proxy.listen();
    t.store = new Store(
      {
        ...base,
        host: '127.0.0.1',
        port,
        queryTimeoutMs: 500,
        connectTimeoutMs: 1_000,
        reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
        ...db,
      },
      silentLogger(),
    );
    await within(t.store.start(), 30_000, 'the store to start');
    t.rooms = new RoomStore(t.store);
  });
  after(async () => {
    await t.store?.stop();
    await t.proxy?.close();
  });
  return t;
}

describe('database link (lab MariaDB behind a freezable proxy)', () => {
  const t = proxiedStore({ keepalive: { intervalMs: 200, timeoutMs: 300 } });

  it('a query caught by a freeze fails within its deadline; then every query fails at once', async () => {
    await t.rooms.save({ ...cleanRoom('8001'), guestName: 'before' });
    const t0 = Date.now();
    t.proxy.freeze();
    await assert.rejects(t.rooms.get('8001'), StoreUnavailableError);
    const ms = Date.now() - t0;
    assert.ok(ms >= 450 && ms < 1_500, `failed after ${ms} ms (deadline 500 ms)`);
    assert.equal(t.store.state, 'reconnecting');
    const t1 = performance.now();
    await assert.rejects(t.rooms.get('8001'), /database is reconnecting/);
    assert.ok(performance.now() - t1 < 50, 'refused at once while reconnecting');
    const ready = waitFor(t.store, 'ready', 10_000);
    t.proxy.thaw();
    await ready;
    assert.equal((await t.rooms.get('8001')).guestName, 'before');
  });

  it('the keepalive finds a frozen database with no traffic at all, and ready is emitted on recovery', async () => {
    const down = waitFor(t.store, 'state', 5_000, (s) => s === 'reconnecting');
    const t0 = Date.now();
    t.proxy.freeze();
    await down;
    const ms = Date.now() - t0;
    assert.ok(ms < 1_500, `noticed after ${ms} ms (keepalive every 200 ms, 300 ms to answer)`);
    const ready = waitFor(t.store, 'ready', 10_000);
    t.proxy.thaw();
    await ready;
    assert.equal(t.store.state, 'ready');
  });

  it('regression: a transaction frozen before its COMMIT is never committed later', async () => {
    await t.rooms.save(cleanRoom('8002'));
    const tx = t.rooms.transaction(async (trx) => {
      await t.rooms.save({ ...cleanRoom('8002'), guestName: 'half' }, trx);
      t.proxy.freeze(); // the COMMIT is held
    });
    await assert.rejects(tx, StoreUnavailableError);
    const ready = waitFor(t.store, 'ready', 10_000);
    t.proxy.thaw();
    await ready;
    // Give a late COMMIT every chance to arrive: it must not.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await t.rooms.get('8002')).guestName, null);
  });
});

describe('database link with one connection: a query waiting for it when the link drops', () => {
  const t = proxiedStore({ connections: 1, keepalive: { intervalMs: 0, timeoutMs: 300 } });

  it('regression: fails as "Database unavailable" (StoreUnavailableError), not as an internal error (found by the fault suite, MariaDB stopped)', async () => {
    await t.rooms.save(cleanRoom('8003'));
    let queued: Promise<unknown> | undefined;
    const tx = t.rooms.transaction(async (trx) => {
      // The only connection is ours: this query waits in the pool's queue.
      queued = t.rooms.get('8003');
      queued.catch(() => undefined);
      t.proxy.freeze();
      await t.rooms.get('8003', trx); // misses its deadline: the link drops, the pool goes
    });
    await assert.rejects(tx, StoreUnavailableError);
    await assert.rejects(queued!, (err: unknown) => {
      assert.ok(
        err instanceof StoreUnavailableError,
        `got ${(err as Error)?.name}: ${(err as Error)?.message}`,
      );
      return true;
    });
    const ready = waitFor(t.store, 'ready', 10_000);
    t.proxy.thaw();
    await ready;
  });
});
