// The FIAS link on the wire: FiasWire (link + TCP adapter + status + pumps, wired as the engine wires
// it) against the PMS simulator over loopback TCP, with the real clock. What a technician would check:
// the link comes up with and without the PMS's LS, our LR announce our records, it survives drops,
// LE works both ways, records reach the room core in order and ours reach the PMS only once Alive.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { fiasRecord } from '../../src/fias/record.js';
import { FiasWire, OUR_RECORDS } from '../../src/fias/wire.js';
import type { FiasEncoding } from '../../src/fias/codec/index.js';
import { FiasSim } from '../fias/sim.js';
import { captureLog } from './support/capture-log.js';
import { FakeClock } from './support/fake-fias-link.js';
import { FakeInbound, FakeOutbox } from './support/fake-fias-ports.js';

const T = { timeout: 20_000 };

interface Rig {
  sim: FiasSim;
  wire: FiasWire;
  inbound: FakeInbound;
  outbox: FakeOutbox;
  lines: Array<Record<string, unknown>>;
}

let rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs) {
    await r.wire.stop(1_000);
    await r.sim.close();
  }
  rigs = [];
});

async function rig(
  o: {
    silent?: boolean;
    encoding?: FiasEncoding;
    inbound?: FakeInbound;
    maxBufferedBytes?: number;
    clock?: FakeClock;
  } = {},
): Promise<Rig> {
  const sim = new FiasSim({ silent: o.silent, encoding: o.encoding });
  const port = await sim.listen();
  const config = loadConfig({
    env: {},
    values: {
      ami: { username: 'x', password: 'x' },
      ari: { username: 'x', password: 'x' },
      hotel: { rooms: '8001-8004', timeZone: 'Europe/Rome' },
      fias: {
        enabled: true,
        host: '127.0.0.1',
        port,
        encoding: o.encoding ?? 'latin1',
        reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
        version: 'test-1.0',
      },
    },
  });
  const cap = captureLog('debug');
  const inbound = o.inbound ?? new FakeInbound();
  const outbox = new FakeOutbox();
  const wire = new FiasWire({
    fias: config.fias,
    timeZone: config.hotel.timeZone,
    log: cap.log,
    inbound,
    outbox,
    maxBufferedBytes: o.maxBufferedBytes,
    clock: o.clock,
  });
  const r = { sim, wire, inbound, outbox, lines: cap.lines };
  rigs.push(r);
  return r;
}

/** Starts the link and returns how long it took to reach ESTABLISHED. */
async function up(r: Rig): Promise<number> {
  const t0 = performance.now();
  r.wire.start();
  await r.wire.waitForState('ESTABLISHED', 5_000);
  return performance.now() - t0;
}

describe('FIAS link over TCP with the simulator', () => {
  it('comes up at once when the PMS sends LS; our LD and LR describe every record we use', T, async () => {
    const r = await rig();
    const ms = await up(r);
    assert.ok(ms < 3_500, `ESTABLISHED after ${ms.toFixed(0)} ms`);
    assert.ok(ms < 1_000, `with LS there is no 3 s listen: ${ms.toFixed(0)} ms`);
    const ids = r.sim.ids(1);
    const n = Object.keys(OUR_RECORDS).length;
    assert.deepEqual(ids.slice(0, n + 2), ['LD', ...Array<string>(n).fill('LR'), 'LA']);
    const ld = r.sim.received[0]!.record;
    assert.equal(ld.fields.get('V#'), 'test-1.0');
    assert.equal(ld.fields.get('IF'), 'PB');
    assert.deepEqual(Object.fromEntries(r.sim.described), OUR_RECORDS);
    for (const id of ['GI', 'GO', 'GC', 'RE', 'WR', 'WC', 'WA', 'PS', 'PA'])
      assert.ok(r.sim.described.has(id), id);
    assert.equal(r.wire.status().state, 'ESTABLISHED');
    console.log(`time to ESTABLISHED with LS: ${ms.toFixed(0)} ms`);
  });

  it('starts the link itself after 3 s when the PMS stays silent, ESTABLISHED within 3.5 s', T, async () => {
    const r = await rig({ silent: true });
    const ms = await up(r);
    assert.ok(ms >= 2_900, `waited the 3 s listen first: ${ms.toFixed(0)} ms`);
    assert.ok(ms < 3_500, `ESTABLISHED after ${ms.toFixed(0)} ms`);
    assert.equal(r.sim.ids(1)[0], 'LD', 'we started with our description');
    console.log(`time to ESTABLISHED without LS: ${ms.toFixed(0)} ms`);
  });

  it(
    'a dropped connection: EXPECTION, reconnect, ESTABLISHED again; each change logged once',
    T,
    async () => {
      const r = await rig();
      await up(r);
      const back = r.wire.waitForState('EXPECTION', 5_000);
      r.sim.drop();
      await back;
      await r.wire.waitForState('ESTABLISHED', 5_000);
      assert.equal(r.sim.connections, 2);
      const path = r.wire.status().transitions.map((t) => `${t.from}>${t.to}`);
      assert.deepEqual(path, [
        'CLOSED>WAIT_LS',
        'WAIT_LS>ESTABLISHED',
        'ESTABLISHED>EXPECTION',
        'EXPECTION>WAIT_LS',
        'WAIT_LS>ESTABLISHED',
      ]);
      const logged = r.lines.filter((l) => typeof l.msg === 'string' && /^FIAS link [A-Z_]+$/.test(l.msg));
      assert.deepEqual(
        logged.map((l) => `${String(l.from)}>${String(l.to)}`),
        path,
        'one line per change',
      );
      for (const l of logged) {
        assert.equal(l.link, 'fias');
        assert.equal(typeof l.why, 'string');
      }
      assert.match(r.wire.status().transitions[2]!.why, /TCP connection lost/);
    },
  );

  it('our disconnect: LE, WAIT_LE, the PMS answers LE, CLOSED; nothing reconnects', T, async () => {
    const r = await rig();
    await up(r);
    const le = r.sim.waitFor((x) => x.record.id === 'LE', 3_000, 'our LE');
    r.wire.disconnect();
    assert.equal(r.wire.link.state, 'WAIT_LE');
    await le;
    await r.wire.waitForState('CLOSED', 3_000);
    assert.match(r.wire.status().why, /LE/);
    await r.sim.waitEvent('closed', 3_000);
    assert.equal(r.sim.connections, 1);
    assert.equal(r.wire.link.state, 'CLOSED');
  });

  it("the PMS's LE is answered with LE; its next record brings the link back without LS", T, async () => {
    const r = await rig();
    await up(r);
    const from = r.sim.received.length;
    const answer = r.sim.waitFor((x) => x.record.id === 'LE', 3_000, 'our LE answer', from);
    r.sim.sendLE();
    await answer;
    await r.wire.waitForState('WAIT_LS', 3_000);
    r.sim.send('GI|RN8001|G#42|GNRossi|');
    await r.wire.waitForState('ESTABLISHED', 3_000);
    await r.inbound.waitFor(1, 3_000);
    assert.equal(r.inbound.handled[0]!.id, 'GI');
    assert.equal(r.sim.ids().filter((id) => id === 'LE').length, 1, 'our one LE, not answered again');
  });

  it('disable ends the link and keeps it down; enable brings it back on a new connection', T, async () => {
    const r = await rig();
    await up(r);
    const le = r.sim.waitFor((x) => x.record.id === 'LE', 3_000, 'our LE');
    r.wire.disable();
    assert.equal(r.wire.link.state, 'DISABLED');
    await le;
    await r.sim.waitEvent('closed', 3_000);
    assert.equal(r.wire.status().canSend, false);
    r.wire.enable();
    await r.wire.waitForState('ESTABLISHED', 5_000);
    assert.equal(r.sim.connections, 2);
  });

  it('data records reach the room core in arrival order, one at a time', T, async () => {
    const inbound = new FakeInbound((n) => [40, 5, 25, 0, 10][n] ?? 0);
    const r = await rig({ inbound });
    await up(r);
    for (const line of [
      'GI|RN8001|G#1|GNAlpha|',
      'GO|RN8002|G#2|',
      'RE|RN8003|CS2|DNY|',
      'WR|RN8004|DA260115|TI063000|',
      'GC|RN8001|GNBeta|',
    ])
      r.sim.send(line);
    await inbound.waitFor(5, 5_000);
    assert.deepEqual(
      inbound.handled.map((m) => m.id),
      ['GI', 'GO', 'RE', 'WR', 'GC'],
    );
    assert.equal(inbound.maxInFlight, 1);
    await r.wire.inbound.idle();
    assert.equal(r.wire.status().applied, 5);
  });

  it('an invalid record is logged and dropped; the next one still arrives', T, async () => {
    const r = await rig();
    await up(r);
    r.sim.send('WR|RN8001|DA261399|TI063000|'); // month 13
    r.sim.send('GI|RN8002|');
    await r.inbound.waitFor(1, 3_000);
    assert.deepEqual(
      r.inbound.handled.map((m) => m.id),
      ['GI'],
    );
    assert.equal(r.wire.status().invalidRecords, 1);
    assert.equal(r.lines.filter((l) => l.msg === 'FIAS record invalid: dropped').length, 1);
  });

  it('outbox records reach the PMS in order once ESTABLISHED, never before', T, async () => {
    const r = await rig({ silent: true }); // 3 s before the link is up: time for a wrong early send
    const wa = (room: string) =>
      fiasRecord('WA', [
        ['RN', room],
        ['DA', '260115'],
        ['TI', '063000'],
        ['AS', 'OK'],
      ]);
    r.outbox.add(wa('8001'));
    r.outbox.add(wa('8002'));
    r.wire.start();
    await r.wire.waitForState('ESTABLISHED', 5_000);
    await r.sim.waitFor((x) => x.record.fields.get('RN') === '8002', 3_000, 'the second WA');
    r.outbox.add(wa('8003'));
    await r.sim.waitFor((x) => x.record.fields.get('RN') === '8003', 3_000, 'the WA added later');
    const data = r.sim.received.filter((x) => x.record.id === 'WA');
    assert.deepEqual(
      data.map((x) => x.record.fields.get('RN')),
      ['8001', '8002', '8003'],
    );
    for (const x of data) assert.ok(x.alive && x.at >= r.sim.aliveAt!, 'sent only after the PMS said Alive');
    assert.equal(r.outbox.waiting, 0);
  });

  it('garbage bytes from the PMS are logged, counted and skipped; the link stays up', T, async () => {
    const r = await rig();
    await up(r);
    r.sim.sendRaw(Buffer.from('\x00\xffnoise\r\n'));
    r.sim.sendRaw(Buffer.concat([Buffer.from([2]), Buffer.alloc(10_000, 0x41), Buffer.from([3])]));
    r.sim.sendRaw(Buffer.from('\x02G\x03\x02GI|RN8001||\x03'));
    r.sim.send('GI|RN8004|GNAfter|');
    await r.inbound.waitFor(1, 3_000);
    assert.equal(r.inbound.handled.length, 1);
    assert.equal(r.wire.link.state, 'ESTABLISHED');
    const st = r.wire.status();
    assert.ok(st.frameErrors >= 3, `frame errors ${st.frameErrors}`);
    const warned = r.lines.filter((l) => l.msg === 'FIAS bytes from the PMS unreadable: skipped');
    assert.ok(warned.length >= 3 && warned.length <= 5, `${warned.length} lines (rate-limited)`);
    for (const l of warned) assert.ok(String(l.err).length <= 230);
  });

  it('cp850: a name with ü crosses the wire both ways as cp850', T, async () => {
    const r = await rig({ encoding: 'cp850' });
    await up(r);
    r.sim.send(
      fiasRecord('GI', [
        ['RN', '8001'],
        ['GN', 'Müller'],
        ['GF', 'Jürgen'],
      ]),
    );
    await r.inbound.waitFor(1, 3_000);
    const gi = r.inbound.handled[0]!;
    assert.ok(gi.id === 'GI');
    assert.equal(gi.name, 'Müller');
    assert.equal(gi.firstName, 'Jürgen');
    r.outbox.add(
      fiasRecord('PS', [
        ['RN', '8001'],
        ['CT', 'Grüße'],
      ]),
    );
    const got = await r.sim.waitFor((x) => x.record.id === 'PS', 3_000, 'PS');
    // The simulator decodes cp850: a latin1 ü (0xFC) would have read as "³".
    assert.equal(got.record.fields.get('CT'), 'Grüße');
  });

  it(
    'a PMS that stops reading is dropped once the write buffer passes the bound, then reconnected',
    T,
    async () => {
      const r = await rig({ maxBufferedBytes: 256 * 1024 });
      await up(r);
      r.sim.pauseReading();
      const down = r.wire.waitForState('EXPECTION', 10_000);
      const big = 'x'.repeat(60_000);
      for (let i = 0; i < 400 && r.wire.link.state === 'ESTABLISHED'; i++)
        r.outbox.add(
          fiasRecord('PS', [
            ['RN', '8001'],
            ['CT', big],
          ]),
        );
      await down;
      assert.ok(r.lines.some((l) => l.msg === 'FIAS PMS is not reading: dropping the connection'));
      await r.wire.waitForState('ESTABLISHED', 5_000);
    },
  );

  it(
    'the alive check over the wire: LS every 300 s answered by LA; unanswered, EXPECTION after 3 s',
    T,
    async () => {
      // The 300 s floor is moved on a fake clock; the records still cross real TCP.
      const clock = new FakeClock();
      const r = await rig({ clock });
      r.wire.start();
      await r.wire.waitForState('ESTABLISHED', 5_000);
      const from = r.sim.received.length;
      const out = r.wire.status().recordsOut;
      clock.advance(299_000);
      assert.equal(r.wire.status().recordsOut, out, 'nothing written before keepaliveSec');
      clock.advance(1_000);
      assert.equal(r.wire.status().recordsOut, out + 1, 'the LS written at 300 s');
      await r.sim.waitFor((x) => x.record.id === 'LS', 2_000, 'our alive check', from);
      const inBefore = r.wire.status().recordsIn;
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no LA read')), 2_000);
        const poll = (): void => {
          if (r.wire.status().recordsIn > inBefore) {
            clearTimeout(t);
            resolve();
          } else setImmediate(poll);
        };
        poll();
      });
      clock.advance(3_000);
      assert.equal(r.wire.link.state, 'ESTABLISHED', 'the LA answered it');
      r.sim.answerAliveChecks = false;
      const from2 = r.sim.received.length;
      clock.advance(297_000);
      await r.sim.waitFor((x) => x.record.id === 'LS', 2_000, 'the second alive check', from2);
      clock.advance(2_999);
      assert.equal(r.wire.link.state, 'ESTABLISHED');
      clock.advance(1);
      assert.equal(r.wire.link.state, 'EXPECTION');
      assert.match(r.wire.status().why, /no LA within 3 s of our LS/);
    },
  );
});
