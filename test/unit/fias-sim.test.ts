// The FIAS PMS simulator (test/fias/sim.ts) is test infrastructure, but the wire tests are only as
// right as it is: here a raw TCP client plays the vendor system and checks each of its rules.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { FiasParser, serializeRecord } from '../../src/fias/codec/index.js';
import type { FiasRecord } from '../../src/fias/record.js';
import { FiasSim, formatRecord, parseLine } from '../fias/sim.js';

const T = { timeout: 10_000 };

/** A vendor system by hand: writes lines, reads records. */
class Client {
  readonly records: FiasRecord[] = [];
  readonly #parser = new FiasParser();
  #waiters: (() => void)[] = [];
  constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      for (const r of this.#parser.push(c)) if (r.ok) this.records.push(r.record);
      for (const w of this.#waiters) w();
    });
  }
  static async open(port: number): Promise<Client> {
    const s = connect(port, '127.0.0.1');
    await once(s, 'connect');
    return new Client(s);
  }
  send(...lines: string[]): void {
    for (const l of lines) this.socket.write(serializeRecord(parseLine(l), 'latin1'));
  }
  /** The n-th record read (0-based), waiting for it at most `ms`. */
  async nth(n: number, ms = 2_000): Promise<FiasRecord> {
    const end = Date.now() + ms;
    while (this.records.length <= n) {
      if (Date.now() > end) throw new Error(`client: no record #${n} within ${ms} ms (${this.ids()})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.#waiters.push(() => (clearTimeout(t), r()));
      });
      this.#waiters = [];
    }
    return this.records[n]!;
  }
  ids(): string {
    return this.records.map((r) => r.id).join(',');
  }
}

let sims: FiasSim[] = [];
let clients: Client[] = [];
afterEach(async () => {
  for (const c of clients) c.socket.destroy();
  for (const s of sims) await s.close();
  sims = [];
  clients = [];
});

async function start(o: ConstructorParameters<typeof FiasSim>[0] = {}): Promise<{ sim: FiasSim; c: Client }> {
  const sim = new FiasSim(o);
  sims.push(sim);
  const c = await Client.open(await sim.listen());
  clients.push(c);
  return { sim, c };
}

const INIT = ['LD|DA260115|TI110000|V#1.0|IFPB|', 'LR|RIGI|FLRNGN|', 'LA|DA260115|TI110000|'];

describe('FIAS simulator', () => {
  it('sends LS on connect, stamped with the date and time', T, async () => {
    const { c } = await start({ now: () => new Date(2026, 0, 15, 11, 5, 9) });
    const ls = await c.nth(0);
    assert.equal(formatRecord(ls), 'LS|DA260115|TI110509|');
  });

  it('stays silent when asked: nothing arrives until we speak', T, async () => {
    const { sim, c } = await start({ silent: true });
    await sim.waitEvent('connection', 1_000).catch(() => undefined);
    await assert.rejects(c.nth(0, 300));
  });

  it(
    'answers our LD/LR/LA with LA, keeps our LR, and records everything with the Alive flag',
    T,
    async () => {
      const { sim, c } = await start();
      await c.nth(0);
      c.send(...INIT, 'RE|RN8001|RS1|');
      assert.equal((await c.nth(1)).id, 'LA');
      await sim.waitFor((r) => r.record.id === 'RE', 1_000, 'RE');
      assert.deepEqual([...sim.described], [['GI', 'RNGN']]);
      assert.deepEqual(sim.ids(), ['LD', 'LR', 'LA', 'RE']);
      assert.deepEqual(
        sim.received.map((r) => r.alive),
        [false, false, false, true],
      );
      assert.ok(sim.received.every((r) => typeof r.at === 'number' && r.conn === 1));
    },
  );

  it('answers our alive-check LS with LA, or not when told', T, async () => {
    const { sim, c } = await start();
    await c.nth(0);
    c.send(...INIT);
    await c.nth(1);
    c.send('LS|DA260115|TI110500|');
    assert.equal((await c.nth(2)).id, 'LA');
    sim.answerAliveChecks = false;
    c.send('LS|DA260115|TI111000|');
    await sim.waitFor((r) => r.record.fields.get('TI') === '111000', 1_000, 'second LS');
    await assert.rejects(c.nth(3, 300));
  });

  it('answers our LE with LE and closes; its own LE waits for ours without a loop', T, async () => {
    const a = await start();
    await a.c.nth(0);
    a.c.send('LE|DA260115|TI110000|');
    assert.equal((await a.c.nth(1)).id, 'LE');
    await once(a.c.socket, 'close');

    const b = await start();
    await b.c.nth(0);
    b.c.send(...INIT);
    await b.c.nth(1);
    b.sim.sendLE();
    assert.equal((await b.c.nth(2)).id, 'LE');
    b.c.send('LE|DA260115|TI110001|'); // our answer
    await b.sim.waitFor((r) => r.record.id === 'LE', 1_000, 'our LE');
    await assert.rejects(b.c.nth(3, 300), 'no LE for the answer');
  });

  it('sends any record typed as the spec prints it, and drops the connection on demand', T, async () => {
    const { sim, c } = await start();
    await c.nth(0);
    sim.send('GI|RN8001|G#123|GNSmith|');
    const gi = await c.nth(1);
    assert.equal(formatRecord(gi), 'GI|RN8001|G#123|GNSmith|');
    const closed = once(c.socket, 'close');
    sim.drop();
    await closed;
    assert.throws(() => parseLine('not a record'), /not a FIAS record/);
  });

  it('a new connection replaces the old one (an IFC holds one link)', T, async () => {
    const { sim, c } = await start();
    await c.nth(0);
    const second = await Client.open(sim.port);
    clients.push(second);
    await once(c.socket, 'close');
    assert.equal(sim.connections, 2);
  });
});
