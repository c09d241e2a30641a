// The operator's FIAS commands over the seed 000 protocol (our extension): Query/FiasStatus for any
// account, Set/FiasLink for administrators only, against a real FiasWire talking to the simulator.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FiasWire } from '../../src/fias/wire.js';
import { startFiasOperatorRig, type FiasOperatorRig } from './support/fias-operator-rig.js';
import { fiasRecord } from '../../src/fias/record.js';
import type { StoredPosting } from '../../src/store/fias-postings.js';
import { ADMIN, loginFields, OPERATOR, type Harness } from './support/harness.js';

const T = { timeout: 20_000 };
const posting = (
  n: number,
  state: StoredPosting['state'],
  answer: string,
  attempts: number,
  fields: Array<[string, string]>,
  text: string | null,
): StoredPosting => ({
  id: n,
  postingNumber: n,
  cdrId: 100 + n,
  room: '8003',
  record: fiasRecord('PS', fields),
  state,
  answer,
  answerText: text,
  attempts,
  createdAt: 0,
  sentAt: 0,
  answeredAt: 0,
});
const POSTINGS = [
  posting(
    2,
    'refused',
    'NG',
    1,
    [
      ['DA', '261203'],
      ['TI', '120102'],
      ['DD', '00441234567'],
      ['DU', '000002'],
    ],
    'No post allowed',
  ),
  posting(
    1,
    'ok',
    'OK',
    2,
    [
      ['DA', '261203'],
      ['TI', '120058'],
      ['DD', '0512111'],
      ['DU', '000002'],
    ],
    null,
  ),
];
const STATUS: Array<[string, string]> = [
  ['Action', 'Query'],
  ['CallMethod', 'FiasStatus'],
];
const link = (command: string): Array<[string, string]> => [
  ['Action', 'Set'],
  ['CallMethod', 'FiasLink'],
  ['Command', command],
];

describe('FIAS operator commands', () => {
  let rig: FiasOperatorRig;
  let wire: FiasWire;
  let h: Harness;
  let off: Harness;

  before(async () => {
    rig = await startFiasOperatorRig({
      recent: async (n) => POSTINGS.slice(0, n),
    });
    ({ wire, h, off } = rig);
  });
  after(() => rig?.close());

  async function as(account: { user: string; password: string }, harness = h) {
    const c = await harness.client();
    const r = await c.call(loginFields(account.user, account.password));
    assert.equal(r.get('Response'), 'Success');
    return c;
  }

  it('FiasPostings: the newest call charges, newest first, one field each; Count checked', T, async () => {
    const c = await as(OPERATOR);
    const q = (count?: string): Array<[string, string]> => [
      ['Action', 'Query'],
      ['CallMethod', 'FiasPostings'],
      ...(count === undefined ? [] : [['Count', count] as [string, string]]),
    ];
    const all = await c.call(q());
    assert.equal(all.get('Response'), 'Success');
    assert.equal(all.get('Count'), '2');
    assert.equal(
      all.get('Posting1'),
      'P#2 RN8003 refused ASNG x1 DA261203 TI120102 DD00441234567 DU000002 CTNo post allowed',
    );
    assert.equal(all.get('Posting2'), 'P#1 RN8003 ok ASOK x2 DA261203 TI120058 DD0512111 DU000002 CT');
    const one = await c.call(q('1'));
    assert.deepEqual([one.get('Count'), one.has('Posting2')], ['1', false]);
    for (const bad of ['0', '201', 'x', '-1']) {
      const r = await c.call(q(bad));
      assert.equal(r.get('Response'), 'Error', bad);
      assert.equal(r.get('Message'), `Count must be 1-200, not "${bad}"`);
    }
    const offReply = await (await as(OPERATOR, off)).call(q());
    assert.equal(offReply.get('Message'), 'FIAS is not enabled (fias.enabled)');
  });

  it('FiasStatus: state, since, why and counts, for an operator (grade 2) too', T, async () => {
    const c = await as(OPERATOR);
    const r = await c.call(STATUS);
    assert.equal(r.get('Response'), 'Success');
    assert.equal(r.get('State'), 'ESTABLISHED');
    assert.equal(r.get('Phase'), 'alive');
    assert.match(r.get('Since') ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.ok((r.get('Why') ?? '').length > 0);
    assert.equal(r.get('CanSend'), '1');
    assert.ok(Number(r.get('RecordsIn')) >= 2, 'LS and LA at least');
    assert.ok(Number(r.get('RecordsOut')) >= 11, 'LD, 9 LR, LA');
    assert.match(r.get('LastChange') ?? '', /WAIT_LS -> ESTABLISHED$/);
  });

  it(
    'FiasLink is refused to an operator (grade 2) with a clear message, and nothing changes',
    T,
    async () => {
      const c = await as(OPERATOR);
      const r = await c.call(link('disable'));
      assert.equal(r.get('Response'), 'Error');
      assert.equal(r.get('Message'), 'FiasLink needs an administrator account (grade 1)');
      assert.equal(wire.link.state, 'ESTABLISHED');
    },
  );

  it('FiasLink disable, then enable, for an administrator; a bad Command is refused', T, async () => {
    const c = await as(ADMIN);
    const bad = await c.call(link('restart'));
    assert.equal(bad.get('Response'), 'Error');
    assert.match(bad.get('Message') ?? '', /^Command must be enable, disable or disconnect/);
    assert.equal(bad.get('Command'), 'restart', 'echoed');
    const d = await c.call(link('disable'));
    assert.equal(d.get('Response'), 'Success');
    assert.equal(d.get('State'), 'DISABLED');
    assert.equal((await c.call(STATUS)).get('State'), 'DISABLED');
    const e = await c.call(link('enable'));
    assert.equal(e.get('State'), 'WAIT_LS');
    await wire.waitForState('ESTABLISHED', 5_000);
    assert.equal((await c.call(STATUS)).get('State'), 'ESTABLISHED');
  });

  it('FiasLink disconnect: LE to the PMS, then CLOSED until enabled', T, async () => {
    const c = await as(ADMIN);
    const r = await c.call(link('disconnect'));
    assert.equal(r.get('State'), 'WAIT_LE');
    await wire.waitForState('CLOSED', 3_000);
    assert.equal((await c.call(STATUS)).get('State'), 'CLOSED');
    await c.call(link('enable'));
    await wire.waitForState('ESTABLISHED', 5_000);
  });

  it('without fias.enabled both commands answer "FIAS is not enabled (fias.enabled)"', T, async () => {
    const c = await as(ADMIN, off);
    for (const fields of [STATUS, link('enable')]) {
      const r = await c.call(fields);
      assert.equal(r.get('Response'), 'Error');
      assert.equal(r.get('Message'), 'FIAS is not enabled (fias.enabled)');
    }
  });

  it('both need a login first', T, async () => {
    const c = await h.client();
    const r = await c.call(STATUS);
    assert.equal(r.get('Response'), 'Error');
    assert.match(r.get('Message') ?? '', /^Login required/);
  });
});
