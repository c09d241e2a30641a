// Deadlines on a session (issue 12): a heartbeat is never held up by a command in flight, a connection
// that never logs in is closed, and an export to a client that stopped reading is ended.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import type { CdrRow } from '../../src/cdr/classify.js';
import { serialize } from '../../src/protocol/index.js';
import type { Frame } from '../../src/protocol/index.js';
import { ADMIN, HEARTBEAT, loginFields, startHarness } from './support/harness.js';

/** Rejects after `ms`: a wait in a test always has a deadline. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

const extenName: Array<[string, string]> = [
  ['Action', 'Set'],
  ['CallMethod', 'ExtenName'],
  ['Phone', '8001'],
  ['Name', 'Li Lei'],
];

describe('session: heartbeat past a hung command', { timeout: 60_000 }, () => {
  it('a heartbeat sent after an ExtenName stuck on a frozen database is answered at once; the other requests keep their order', async () => {
    const h = await startHarness({}, [], 3_000);
    try {
      const c = await h.loggedIn();
      // The database freezes: every read of a room hangs until the handler deadline (3 s here).
      h.store.get = () => new Promise(() => undefined);
      const order: string[] = [];
      const stuck = c.request([...extenName, ['SeqID', 'name']]).then((r) => (order.push('name'), r));
      const next = c
        .request([
          ['Action', 'Frobnicate'],
          ['CallMethod', 'X'],
          ['SeqID', 'next'],
        ])
        .then((r) => (order.push('next'), r));
      const t0 = Date.now();
      const hb = await within(c.call([...HEARTBEAT, ['SeqID', 'hb']]), 500, 'heartbeat reply');
      const latency = Date.now() - t0;
      order.push('hb');
      assert.equal(hb.get('Response'), 'Success');
      assert.ok(latency < 500, `heartbeat answered after ${latency} ms`);
      const [name, unknown] = await Promise.all([stuck, next]);
      assert.match(name[0]!.get('Message')!, /timed out/);
      assert.equal(unknown[0]!.get('Message'), 'Unknown Action: Frobnicate');
      assert.deepEqual(order, ['hb', 'name', 'next']);
    } finally {
      await h.close();
    }
  });
});

describe('session: login deadline', { timeout: 60_000 }, () => {
  it('a connection that does not log in within session.loginTimeoutSec is told why and closed; heartbeats do not keep it', async () => {
    const h = await startHarness({ session: { loginTimeoutSec: 1 } });
    try {
      const anon = await h.client();
      const member = await h.loggedIn();
      const strays: Frame[] = [];
      anon.on('stray', (f) => typeof f !== 'string' && strays.push(f));
      const t0 = Date.now();
      const beat = setInterval(() => void anon.call(HEARTBEAT).catch(() => undefined), 200);
      try {
        await within(anon.closed, 5_000, 'the anonymous connection closing');
      } finally {
        clearInterval(beat);
      }
      const waited = Date.now() - t0;
      assert.ok(waited >= 900 && waited < 4_000, `closed after ${waited} ms`);
      assert.equal(strays.length, 1);
      assert.equal(strays[0]!.get('Response'), 'Error');
      assert.equal(
        strays[0]!.get('Message'),
        'Login timeout: no successful login within 1 s; closing the connection',
      );
      // The session that logged in at the same time is still served.
      assert.equal((await member.call(HEARTBEAT)).get('Response'), 'Success');
    } finally {
      await h.close();
    }
  });
});

describe('session: export to a client that stopped reading', { timeout: 60_000 }, () => {
  it('is ended after session.drainTimeoutSec: the session is dropped and the export releases what it holds', async () => {
    const h = await startHarness({ session: { drainTimeoutSec: 1 }, cdr: { maxRecordsPerMessage: 2_000 } });
    try {
      const row: CdrRow = {
        calldate: '2012-03-08 09:21:32',
        src: '8001',
        dst: '9013092815562',
        channel: 'PJSIP/8001-00000001',
        dstchannel: 'PJSIP/to_suzhou-00000002',
        duration: 420,
        billsec: 397,
        disposition: 'ANSWERED',
      };
      let produced = 0;
      let lastRowAt = 0;
      let releasedAt = 0;
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      // An export without end, as from a huge table; `finally` is where the real reader gives its
      // database connection back.
      h.cdr.count = async () => 1_000_000_000;
      h.cdr.rows = async function* () {
        try {
          for (;;) {
            produced++;
            lastRowAt = Date.now();
            yield row;
          }
        } finally {
          releasedAt = Date.now();
          release();
        }
      };
      const sock = connect({ port: h.port, host: '127.0.0.1' });
      sock.on('error', () => undefined);
      await once(sock, 'connect');
      sock.write(serialize(loginFields(ADMIN.user, ADMIN.password)));
      await once(sock, 'data');
      sock.pause(); // the PMS stops reading
      sock.write(
        serialize([
          ['Action', 'Query'],
          ['CallMethod', 'GetCDR'],
          ['StartTime', '2012-03-01 00:00:00'],
          ['EndTime', '2012-03-31 23:59:59'],
        ]),
      );
      // The loopback buffers take tens of MB before the engine has to wait: the deadline counts from
      // the last row it could send.
      await within(released, 60_000, "the export's finally");
      const after = releasedAt - lastRowAt;
      assert.ok(after >= 900 && after < 5_000, `export ended ${after} ms after its last row`);
      assert.ok(produced > 2_000, `${produced} rows`);

      assert.equal(h.server.clients, 0);
      sock.destroy();
    } finally {
      await h.close();
    }
  });
});
