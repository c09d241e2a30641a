// The PMS dialplan (asterisk-conf/extensions_pms.conf) on the real lab: classes of service, emergency
// numbers, do-not-disturb and guest names, driven by AstDB keys the test writes itself (as the engine
// would), checked on real phones (established or not, SIP reason, caller name) and in the call records
// (asteriskcdrdb.cdr). Every changed AstDB key is put back afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cdrFor, type CdrRow } from '../lab/cdr.js';
import { astDbChanges, requireLab, type AstDbChanges } from '../lab/lab.js';
import { phone, type CallOutcome, type Phone } from '../lab/phone.js';

/** The lab's numbering (lab/lab.env PMS_NUMBERING_*), as the engine writes it into AstDB. */
const NUMBERING: Record<string, string> = {
  outside: '9',
  local_area: '0512',
  national: '0',
  international: '00',
  enterprise: '7',
  emergency: '110,119,120,122',
};

/** One number per category (1..5), dialled from room 8001. */
const NUMBERS: { category: number; number: string; what: string }[] = [
  { category: 1, number: '8002', what: 'room 8002' },
  { category: 2, number: '7001', what: 'enterprise 7001' },
  { category: 3, number: '987654321', what: 'local 87654321' },
  { category: 3, number: '9051287654321', what: 'local with area code 0512' },
  { category: 4, number: '901012345678', what: 'national 010 12345678' },
  { category: 5, number: '900442079460000', what: 'international 0044 2079460000' },
];

/** Long enough for audio to flow, short enough for 40-odd calls in well under two minutes. */
const HOLD_MS = 300;
const LAB_TRUNK = /^Local\/\d+@lab-trunk-far-[0-9a-f]+;1$/;

let db: AstDbChanges;
let p8001: Phone;
let p8002: Phone;
let p8003: Phone;

before(async () => {
  await requireLab();
  db = astDbChanges('pms');
  for (const [key, value] of Object.entries(NUMBERING)) await db.set(`numbering/${key}`, value);
  // Rooms start without guest, DND or class: each test sets what it needs.
  for (const room of ['8001', '8002', '8003'])
    for (const key of ['class', 'name', 'dnd', 'dnd_from', 'dnd_until'])
      await db.set(`${room}/${key}`, undefined);
  p8001 = phone('8001');
  p8002 = phone('8002');
  p8003 = phone('8003');
  await Promise.all([p8001.ready(), p8002.ready(), p8003.ready()]);
});

after(async () => {
  p8001?.close();
  p8002?.close();
  p8003?.close();
  await db?.restore();
});

/** Dials from `from` and returns the outcome with the call's CDR row. */
async function call(from: Phone, number: string): Promise<{ outcome: CallOutcome; cdr: CdrRow }> {
  const since = new Date();
  const outcome = await from.dial(number, { holdMs: HOLD_MS, timeoutMs: 15_000 });
  const cdr = await cdrFor({ src: from.ext, dst: number, since });
  return { outcome, cdr };
}

function describeCall(outcome: CallOutcome, cdr: CdrRow): string {
  return `closed: ${outcome.closedReason}; cdr: ${cdr.disposition} ${cdr.dcontext} ${cdr.dstchannel} ${cdr.userfield}`;
}

describe('class of service', () => {
  for (const cls of [1, 2, 3, 4, 5]) {
    test(`class ${cls}: exactly the categories up to ${cls} go through`, async () => {
      await db.set('8001/class', String(cls));
      for (const { category, number, what } of NUMBERS) {
        const { outcome, cdr } = await call(p8001, number);
        const allowed = category <= cls;
        const info = `class ${cls} dialling ${what} (${number}): ${describeCall(outcome, cdr)}`;
        assert.equal(outcome.established, allowed, info);
        if (allowed) {
          assert.equal(cdr.disposition, 'ANSWERED', info);
          assert.equal(cdr.userfield, `pms:allowed:class=${cls}:cat=${category}`, info);
          if (category === 1) assert.match(cdr.dstchannel, /^PJSIP\/8002-/, info);
          else assert.match(cdr.dstchannel, LAB_TRUNK, info);
        } else {
          // Refused: early-media announcement, then congestion (503); never answered, never billed.
          assert.match(outcome.closedReason, /503/, info);
          assert.equal(cdr.userfield, `pms:refused:class=${cls}:cat=${category}`, info);
          assert.notEqual(cdr.disposition, 'ANSWERED', info);
          assert.equal(cdr.billsec, 0, info);
          assert.equal(cdr.dstchannel, '', info);
        }
      }
    });
  }

  test('a room without a class (or with a bad one) is class 1', async () => {
    for (const value of [undefined, '7', 'x']) {
      await db.set('8001/class', value);
      const { outcome, cdr } = await call(p8001, '987654321');
      assert.equal(outcome.established, false, `class ${value}: ${describeCall(outcome, cdr)}`);
      assert.equal(cdr.userfield, 'pms:refused:class=1:cat=3');
    }
  });

  test('the outside trunk gets the number without the outside code', async () => {
    await db.set('8001/class', '5');
    const { cdr } = await call(p8001, '900442079460000');
    assert.equal(cdr.dst, '900442079460000');
    assert.match(cdr.dstchannel, /^Local\/00442079460000@lab-trunk-far-/);
  });
});

describe('emergency numbers', () => {
  for (const number of ['110', '9110', '119', '9122']) {
    test(`${number} goes through from a class 1 room`, async () => {
      await db.set('8001/class', '1');
      const { outcome, cdr } = await call(p8001, number);
      const info = describeCall(outcome, cdr);
      assert.equal(outcome.established, true, info);
      assert.equal(cdr.userfield, 'pms:allowed:class=1:cat=0', info);
      // Sent on without the outside code.
      assert.match(cdr.dstchannel, new RegExp(`^Local/${number.replace(/^9/, '')}@lab-trunk-far-`), info);
    });
  }

  test('112 still goes through before the engine wrote its list (PMS_EMERGENCY_FALLBACK of extensions.conf)', async () => {
    await db.set('8001/class', '1');
    await db.set('numbering/emergency', undefined);
    try {
      const { outcome, cdr } = await call(p8001, '112');
      assert.equal(outcome.established, true, describeCall(outcome, cdr));
      assert.equal(cdr.userfield, 'pms:allowed:class=1:cat=0');
    } finally {
      await db.set('numbering/emergency', NUMBERING.emergency);
    }
  });
});

describe('do not disturb', () => {
  const now = (): number => Math.floor(Date.now() / 1000);
  const setDnd = async (dnd: string, from: number, until: number): Promise<void> => {
    await db.set('8002/dnd', dnd);
    await db.set('8002/dnd_from', String(from));
    await db.set('8002/dnd_until', String(until));
  };

  test('DND on, no window: a caller gets busy and the CDR says so', async () => {
    await setDnd('1', 0, 0);
    const { outcome, cdr } = await call(p8003, '8002');
    const info = describeCall(outcome, cdr);
    assert.equal(outcome.established, false, info);
    assert.match(outcome.closedReason, /486|busy/i, info);
    assert.equal(cdr.userfield, 'pms:dnd', info);
    assert.equal(cdr.disposition, 'BUSY', info);
    assert.equal(cdr.dstchannel, '', info);
  });

  test('DND off: the room rings', async () => {
    await setDnd('0', 0, 0);
    const { outcome, cdr } = await call(p8003, '8002');
    assert.equal(outcome.established, true, describeCall(outcome, cdr));
    assert.equal(cdr.userfield, 'pms:allowed:class=1:cat=1');
  });

  test('a window that has ended: the room rings', async () => {
    await setDnd('1', now() - 7200, now() - 3600);
    const { outcome, cdr } = await call(p8003, '8002');
    assert.equal(outcome.established, true, describeCall(outcome, cdr));
  });

  test('a window that has not started: the room rings', async () => {
    await setDnd('1', now() + 3600, now() + 7200);
    const { outcome, cdr } = await call(p8003, '8002');
    assert.equal(outcome.established, true, describeCall(outcome, cdr));
  });

  test('a window around now: busy', async () => {
    await setDnd('1', now() - 60, now() + 3600);
    const { outcome, cdr } = await call(p8003, '8002');
    assert.equal(outcome.established, false, describeCall(outcome, cdr));
    assert.match(outcome.closedReason, /486|busy/i);
    assert.equal(cdr.userfield, 'pms:dnd');
  });

  test('open-ended windows: from in the past until 0, from 0 until the future: busy', async () => {
    const windows: [number, number][] = [
      [now() - 60, 0],
      [0, now() + 3600],
    ];
    for (const [from, until] of windows) {
      await setDnd('1', from, until);
      const { outcome, cdr } = await call(p8003, '8002');
      assert.equal(outcome.established, false, `from ${from} until ${until}: ${describeCall(outcome, cdr)}`);
      assert.equal(cdr.userfield, 'pms:dnd');
    }
    await setDnd('0', 0, 0);
  });
});

describe('guest name', () => {
  /** Calls 8002 from 8001 and returns the CALL_INCOMING 8002 got for it (8002 answered it already). */
  async function callerNameAt8002(): Promise<{ callerName?: string; peerUri?: string; cdr: CdrRow }> {
    const start = p8002.events().length;
    const { outcome, cdr } = await call(p8001, '8002');
    assert.equal(outcome.established, true, describeCall(outcome, cdr));
    const incoming = p8002
      .events()
      .slice(start)
      .find((e) => e.type === 'CALL_INCOMING');
    assert.ok(
      incoming,
      `8002 saw no CALL_INCOMING (events: ${p8002
        .events()
        .slice(start)
        .map((e) => e.type)})`,
    );
    return { callerName: incoming.callerName, peerUri: incoming.peerUri, cdr };
  }

  test('the called phone shows the guest name of the calling room', async () => {
    await db.set('8001/class', '1');
    await db.set('8001/name', '张三');
    const { callerName, peerUri, cdr } = await callerNameAt8002();
    assert.match(peerUri ?? '', /^sip:8001@/);
    assert.equal(callerName, '张三');
    assert.equal(cdr.clid, '"张三" <8001>');
  });

  test('a name with spaces and punctuation arrives unchanged', async () => {
    await db.set('8001/name', 'Smith, John (VIP): 李');
    const { callerName } = await callerNameAt8002();
    assert.equal(callerName, 'Smith, John (VIP): 李');
  });

  test('without a guest name the phone keeps its own caller name', async () => {
    await db.set('8001/name', '');
    const { callerName, cdr } = await callerNameAt8002();
    assert.equal(callerName, 'Room 8001');
    assert.equal(cdr.clid, '"Room 8001" <8001>');
  });
});
