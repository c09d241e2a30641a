// Pipelined frames of one session (issue 15): room commands on different rooms run at once, replies
// go out in the order the frames came, commands on one room keep their order, a frame that runs alone
// (Logout) waits for everything before it, and the in-flight cap holds the rest back.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { FrameParser, serialize, type Frame } from '../../src/protocol/index.js';
import { ADMIN, loginFields, startHarness, type Harness } from './support/harness.js';

interface Raw {
  sock: Socket;
  replies: Frame[];
  send(frames: Array<Array<[string, string]>>): void;
  /** Resolves once `n` replies have arrived (5 s deadline). */
  replied(n: number): Promise<void>;
}

async function rawClient(port: number): Promise<Raw> {
  const sock = connect({ port, host: '127.0.0.1' });
  sock.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  const replies: Frame[] = [];
  const parser = new FrameParser();
  const waiters: Array<() => void> = [];
  sock.on('data', (chunk: Buffer) => {
    for (const r of parser.push(chunk)) if (r.ok) replies.push(r.frame);
    for (const w of waiters.splice(0)) w();
  });
  const raw: Raw = {
    sock,
    replies,
    send: (frames) => sock.write(Buffer.concat(frames.map((f) => serialize([['ServiceType', 'PMS'], ...f])))),
    replied: (n) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${replies.length} of ${n} replies in 5 s`)), 5_000);
        const check = (): void => {
          if (replies.length >= n) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      }),
  };
  raw.send([[...loginFields(ADMIN.user, ADMIN.password), ['SeqID', 'login']]]);
  await raw.replied(1);
  assert.equal(replies.shift()!.get('Response'), 'Success');
  return raw;
}

const name = (seq: string, phone: string, value: string): Array<[string, string]> => [
  ['Action', 'Set'],
  ['CallMethod', 'ExtenName'],
  ['SeqID', seq],
  ['Phone', phone],
  ['Name', value],
];

/** A gate the fake AMI waits at for chosen keys; `open()` lets them through. */
function gate(h: Harness, holds: (key: string) => boolean): { open: () => void; reached: string[] } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const reached: string[] = [];
  h.ami.holdWhen = (action, fields) => {
    if (action !== 'DBPut') return undefined;
    const key = String(fields.Key);
    reached.push(key);
    return holds(key) ? opened : undefined;
  };
  return { open, reached };
}

const until = async (cond: () => boolean, what: string): Promise<void> => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > 5_000) throw new Error(`not within 5 s: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('session pipelining', () => {
  let h: Harness;
  let c: Raw;
  before(async () => {
    h = await startHarness({ session: { maxInFlight: 3 } });
  });
  after(() => h.close());
  beforeEach(async () => {
    h.ami.holdWhen = undefined;
    c?.sock.destroy();
    c = await rawClient(h.port);
  });

  it('commands on different rooms run at once; their replies go out in the order the frames came', async () => {
    const g = gate(h, (key) => key.startsWith('8001/'));
    c.send([name('a', '8001', 'Held'), name('b', '8002', 'Free')]);
    // 8002's write happened while 8001's is still held: the two ran at once.
    await until(() => h.ami.db.get('pms/8002/name') === 'Free', "8002's write");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(c.replies.length, 0, "b's reply must wait for a's");
    g.open();
    await c.replied(2);
    assert.deepEqual(
      c.replies.map((f) => `${f.get('SeqID')} ${f.get('Response')}`),
      ['a Success', 'b Success'],
    );
    assert.equal(h.ami.db.get('pms/8001/name'), 'Held');
  });

  it('commands on one room keep their order', async () => {
    const g = gate(h, (key) => key === '8003/name');
    c.send([name('x', '8003', 'First'), name('y', '8003', 'Second'), name('z', '8004', 'Other')]);
    await until(() => h.ami.db.get('pms/8004/name') === 'Other', "8004's write");
    // The second command on 8003 has not started: 8003/name was reached once.
    assert.equal(g.reached.filter((k) => k === '8003/name').length, 1);
    h.ami.holdWhen = undefined;
    g.open();
    await c.replied(3);
    assert.deepEqual(
      c.replies.map((f) => f.get('SeqID')),
      ['x', 'y', 'z'],
    );
    assert.equal(h.ami.db.get('pms/8003/name'), 'Second');
    assert.equal((await h.store.get('8003')).guestName, 'Second');
  });

  it('a Logout runs alone: commands after it are refused, those before it applied', async () => {
    const g = gate(h, (key) => key.startsWith('8001/'));
    c.send([
      name('before', '8001', 'Applied'),
      [
        ['Action', 'UserLogout'],
        ['CallMethod', 'Account'],
        ['SeqID', 'logout'],
      ],
      name('after', '8002', 'Refused'),
    ]);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(c.replies.length, 0);
    g.open();
    await c.replied(3);
    assert.deepEqual(
      c.replies.map((f) => `${f.get('SeqID')} ${f.get('Response')}`),
      ['before Success', 'logout Success', 'after Error'],
    );
    assert.match(c.replies[2]!.get('Message') ?? '', /Login required/);
    assert.notEqual(h.ami.db.get('pms/8002/name'), 'Refused');
  });

  it('no more than session.maxInFlight commands run at once', async () => {
    const g = gate(h, () => true);
    const rooms = ['8001', '8002', '8003', '8004', '8101'];
    c.send(rooms.map((r, i) => name(`n${i}`, r, `Cap ${i}`)));
    await until(() => g.reached.length >= 3, 'three writes');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(g.reached.length, 3, `started: ${g.reached.join(' ')}`);
    h.ami.holdWhen = undefined;
    g.open();
    await c.replied(5);
    assert.deepEqual(
      c.replies.map((f) => `${f.get('SeqID')} ${f.get('Response')}`),
      rooms.map((_, i) => `n${i} Success`),
    );
  });
});
