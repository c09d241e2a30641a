// FIAS typed records: every example record validates to the value a person would expect; builders
// write the exact wire text and round-trip through the codec and the validators; every validator and
// builder refuses bad input with a specific message.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FiasParser, OLD_ROOM_SHARE, serializeRecord } from '../../src/fias/codec/index.js';
import { fiasRecord, type FiasRecord } from '../../src/fias/record.js';
import {
  buildDR,
  buildLA,
  buildLD,
  buildLE,
  buildLR,
  buildLS,
  buildPS,
  buildRE,
  buildWA,
  FIAS_MESSAGE_IDS,
  validateRecord,
  type Built,
  type FiasMessage,
} from '../../src/fias/records/index.js';
import { FIAS_SESSIONS } from '../fixtures/fias-sessions.js';
import { Rng } from './support/fuzz.js';

/** A record from its wire text (between STX and ETX), through the real reader. */
function rec(wire: string): FiasRecord {
  const [r] = new FiasParser({ encoding: 'utf8' }).push(Buffer.from(`\x02${wire}\x03`, 'utf8'));
  assert.ok(r?.ok, `fixture ${wire} reads`);
  return r.record;
}

function valid(wire: string): FiasMessage {
  const v = validateRecord(rec(wire));
  assert.ok(v.ok, `${wire}: ${v.ok ? '' : v.message}`);
  return v.value;
}

function refused(wire: string): string {
  const v = validateRecord(rec(wire));
  assert.ok(!v.ok, `${wire} should be refused`);
  return v.message;
}

/** The wire text of a built record, or its message. */
function wire(b: Built): string {
  if (!b.ok) return `refused: ${b.message}`;
  const bytes = serializeRecord(b.record, 'utf8');
  return bytes.subarray(1, -1).toString('utf8');
}

const D = (year: number, month: number, day: number) => ({ year, month, day });
const T = (hour: number, minute: number, second: number) => ({ hour, minute, second });
const none = new Map<string, string>();

describe('fias records: the example sessions validate', () => {
  for (const s of FIAS_SESSIONS)
    it(s.name, () => {
      for (const x of s.records) valid(x.wire);
    });

  it('values are what the fields say', () => {
    assert.deepEqual(valid('LS|DA250314|TI091502|'), {
      id: 'LS',
      date: D(2025, 3, 14),
      time: T(9, 15, 2),
      extra: none,
    });
    assert.deepEqual(valid('LD|DA250314|TI091503|V#0.1.0|IFPB|'), {
      id: 'LD',
      date: D(2025, 3, 14),
      time: T(9, 15, 3),
      version: '0.1.0',
      interfaceType: 'PB',
      extra: none,
    });
    assert.deepEqual(valid('LR|RIPS|FLRNDATIP#PTDDDUMPTACTSO|'), {
      id: 'LR',
      recordId: 'PS',
      fieldIds: ['RN', 'DA', 'TI', 'P#', 'PT', 'DD', 'DU', 'MP', 'TA', 'CT', 'SO'],
      extra: none,
    });
    const gi = valid('GI|RN412|G#80321|GNLindqvist|GFAstrid|GTMs.|GLEA|GSN|CS2|GA250314|GD250318|');
    assert.deepEqual(gi, {
      id: 'GI',
      room: '412',
      reservation: '80321',
      shared: false,
      name: 'Lindqvist',
      firstName: 'Astrid',
      title: 'Ms.',
      language: 'EA',
      classOfService: 2,
      arrival: D(2025, 3, 14),
      departure: D(2025, 3, 18),
      date: undefined,
      time: undefined,
      resync: false,
      extra: none,
    });
    const move = valid('GC|RN508|GSN|G#80321|RO412|GSY|');
    assert.ok(move.id === 'GC');
    assert.equal(move.room, '508');
    assert.equal(move.shared, false);
    assert.equal(move.oldRoom, '412');
    assert.equal(move.oldRoomShared, true);
    const go = valid('GO|RN102|GSN|SF|');
    assert.ok(go.id === 'GO' && go.resync && go.room === '102' && go.reservation === undefined);
    const re = valid('RE|RN412|CS0|DNY|MLN|RS9|IDHK07|VM0311|SF|');
    assert.deepEqual(re, {
      id: 'RE',
      room: '412',
      classOfService: 0,
      dnd: true,
      messageLight: false,
      roomStatus: 9,
      maidId: 'HK07',
      voicemail: { kind: 'counts', unread: 3, read: 11 },
      reservation: undefined,
      resync: true,
      extra: none,
    });
    const wc = valid('WC|RN508|DA|TI|');
    assert.ok(wc.id === 'WC' && wc.at === undefined, 'empty DA and TI: clear all');
    const wc1 = valid('WC|RN508|TI071545|DA250315|');
    assert.ok(wc1.id === 'WC');
    assert.deepEqual(wc1.at, { date: D(2025, 3, 15), time: T(7, 15, 45) });
    const ps = valid('PS|RN412|DA250314|TI201544|P#1|PTT|DD00442071234567|DU010412|');
    assert.ok(ps.id === 'PS');
    assert.deepEqual(ps.charge, { type: 'duration', dialledDigits: '00442071234567', durationSec: 3852 });
    const pa = valid('PA|ASNG|P#2|CTGuest not found|');
    assert.ok(
      pa.id === 'PA' && pa.status === 'NG' && pa.postingNumber === 2 && pa.clearText === 'Guest not found',
    );
  });

  it('fields are read by ID, whatever their order', () => {
    assert.deepEqual(valid('WR|TI063000|DA250315|RN412|'), valid('WR|RN412|DA250315|TI063000|'));
    assert.deepEqual(
      valid('PA|P#7|TI201544|ASOK|RN412|DA250314|'),
      valid('PA|RN412|ASOK|P#7|DA250314|TI201544|'),
    );
  });

  it('unknown extra fields are kept, not refused', () => {
    const gi = valid('GI|RN412|GV3|GGA123|A0free text|NPY|');
    assert.deepEqual(
      [...gi.extra],
      [
        ['GV', '3'],
        ['GG', 'A123'],
        ['A0', 'free text'],
        ['NP', 'Y'],
      ],
    );
    assert.deepEqual([...valid('LS|DA250314|TI091502|XXhello|').extra], [['XX', 'hello']]);
  });

  it('non-ASCII names are values like any other (any printable character of the code page)', () => {
    const gi = valid('GI|RN412|GN張三|GFZoë|GTHerr Dr.|');
    assert.ok(gi.id === 'GI' && gi.name === '張三' && gi.firstName === 'Zoë');
  });

  it('empty data is a value: an empty GN is a name of no characters', () => {
    const gi = valid('GI|RN412|GN|GL|');
    assert.ok(gi.id === 'GI' && gi.name === '' && gi.language === '');
  });

  it('dates: real calendar days, 20YY (leap days included, Feb 30 refused)', () => {
    valid('WR|RN1|DA240229|TI000000|');
    valid('WR|RN1|DA000229|TI235959|');
    assert.match(refused('WR|RN1|DA250229|TI000000|'), /WR with a bad DA "250229": no such date/);
    assert.match(refused('WR|RN1|DA250230|TI000000|'), /no such date/);
    assert.match(refused('WR|RN1|DA251301|TI000000|'), /no such date/);
    assert.match(refused('WR|RN1|DA250400|TI000000|'), /no such date/);
    assert.match(refused('WR|RN1|DA25031|TI000000|'), /not a date \(YYMMDD\)/);
    assert.match(refused('WR|RN1|DA2503141|TI000000|'), /not a date/);
    assert.match(refused('WR|RN1|DA25-3-1|TI000000|'), /not a date/);
  });

  it('times: HHMMSS within a day', () => {
    assert.match(refused('WR|RN1|DA250314|TI240000|'), /WR with a bad TI "240000": no such time/);
    assert.match(refused('WR|RN1|DA250314|TI236000|'), /no such time/);
    assert.match(refused('WR|RN1|DA250314|TI235960|'), /no such time/);
    assert.match(refused('WR|RN1|DA250314|TI0630|'), /not a time \(HHMMSS\)/);
    // A seven-digit TI (seen in the spec's own resync example): refused, with the reason.
    assert.match(refused('DE|DA001005|TI1252001|'), /DE with a bad TI "1252001": not a time/);
  });
});

describe('fias records: every validator refuses what it must, with a specific message', () => {
  const cases: Array<[string, RegExp]> = [
    // link control
    ['LS|DA251301|', /LS with a bad DA/],
    ['LA|TI99|', /LA with a bad TI/],
    ['LE|DA250314|TI2|', /LE with a bad TI/],
    ['DS|DA2|', /DS with a bad DA/],
    ['LD|TI091503|V#1|IFPB|', /^LD without DA$/],
    ['LD|DA250314|V#1|IFPB|', /^LD without TI$/],
    ['LD|DA250314|TI091503|IFPB|', /^LD without V#$/],
    ['LD|DA250314|TI091503|V#1|', /^LD without IF$/],
    ['LD|DA250314|TI091503|V#1.2.3.4.5.6|IFPB|', /LD with a bad V#.*not 1-10 printable ASCII/],
    ['LD|DA250314|TI091503|V#|IFPB|', /LD with a bad V#/],
    ['LD|DA250314|TI091503|V#1|IFXX|', /LD with a bad IF "XX": not an interface type/],
    ['LR|FLRNDATI|', /^LR without RI$/],
    ['LR|RIWR|', /^LR without FL$/],
    ['LR|RIwr|FLRN|', /LR with a bad RI/],
    ['LR|RIWR|FLRNDAT|', /LR with a bad FL "RNDAT": not a list of 2-character field IDs/],
    ['LR|RIWR|FL|', /LR with a bad FL/],
    ['LR|RIWR|FLRNDARN|', /LR with a bad FL.*names a field twice/],
    ['LR|RIWR|FLRN D|', /holds a character that cannot be in a field ID/],
    ['DR|DA250314|', /^DR without TI$/],
    ['DR|TI230000|', /^DR without DA$/],
    // guests
    ['GI|GNAnn|', /^GI without RN$/],
    ['GO|G#1|', /^GO without RN$/],
    ['GC|RO412|', /^GC without RN$/],
    ['GI|RN4 12|', /GI with a bad RN "4 12": not a room number/],
    ['GI|RN|', /GI with a bad RN "": not a room number/],
    ['GI|RN12345678901234567|', /not a room number/],
    ['GI|RN412|G#12A|', /GI with a bad G# "12A": not 1-10 digits/],
    ['GI|RN412|G#12345678901|', /not 1-10 digits/],
    ['GI|RN412|GSX|', /GI with a bad GS "X": not Y or N/],
    ['GI|RN412|GSy|', /not Y or N/],
    ['GI|RN412|CS4|', /GI with a bad CS "4": not a class of service 0-3/],
    ['GI|RN412|CS|', /not a class of service/],
    [`GI|RN412|GN${'n'.repeat(201)}|`, /GI with a bad GN .*: longer than 200 characters/],
    [`GI|RN412|GF${'f'.repeat(81)}|`, /GF .*longer than 80/],
    [`GI|RN412|GT${'t'.repeat(21)}|`, /GT .*longer than 20/],
    ['GI|RN412|GLENGLISHLANG|', /GL .*longer than 10/],
    ['GI|RN412|GNA\u0085B|', /GI with a bad GN .*control character/],
    ['GI|RN412|GA250230|', /GI with a bad GA/],
    ['GO|RN412|DA250314|TI250000|', /GO with a bad TI/],
    ['GC|RN508|RO4-12|', /GC with a bad RO/],
    ['GC|RN508|RO412|GSQ|', /GC with a bad GS after RO "Q": not Y or N/],
    // room equipment
    ['RE|CS1|', /^RE without RN$/],
    ['RE|RN412|DNy|', /RE with a bad DN "y": not Y or N/],
    ['RE|RN412|ML1|', /RE with a bad ML "1": not Y or N/],
    ['RE|RN412|RS7|', /RE with a bad RS "7": not a room status/],
    ['RE|RN412|RS0|', /bad RS "0"/],
    ['RE|RN412|RS11|', /bad RS "11"/],
    ['RE|RN412|RS04|', /bad RS "04"/],
    ['RE|RN412|VMYY|', /RE with a bad VM "YY": not Y, N or 4 digits/],
    ['RE|RN412|VM123|', /bad VM "123"/],
    ['RE|RN412|ID|', /RE with a bad ID "": empty/],
    [`RE|RN412|ID${'m'.repeat(17)}|`, /bad ID .*longer than 16/],
    // wake-ups
    ['WR|DA250315|TI063000|', /^WR without RN$/],
    ['WR|RN412|TI063000|', /^WR without DA$/],
    ['WR|RN412|DA250315|', /^WR without TI$/],
    ['WR|RN412|DA|TI|', /WR with a bad DA ""/],
    ['WC|RN412|', /^WC without DA$/],
    ['WC|RN412|DA250315|', /^WC without TI$/],
    ['WC|RN412|DA250315|TI|', /WC with only one of DA and TI empty/],
    ['WC|RN412|DA250332|TI063000|', /WC with a bad DA "250332": no such date/],
    ['WC|RN412|DA250315|TI066000|', /WC with a bad TI "066000": no such time/],
    ['WA|RN412|DA250315|TI063000|', /^WA without AS$/],
    ['WA|RN412|DA250315|TI063000|ASRY|', /WA with a bad AS "RY": not a wake-up answer/],
    ['WA|RN412|DA250315|TI063000|ASok|', /not a wake-up answer/],
    // postings
    ['PS|DA250314|TI201544|P#1|PTC|TA1|', /^PS without RN$/],
    ['PS|RN412|TI201544|P#1|PTC|TA1|', /^PS without DA$/],
    ['PS|RN412|DA250314|P#1|PTC|TA1|', /^PS without TI$/],
    ['PS|RN412|DA250314|TI201544|PTC|TA1|', /^PS without P#$/],
    ['PS|RN412|DA250314|TI201544|P#1|TA1|', /^PS without PT$/],
    ['PS|RN412|DA250314|TI201544|P#0|PTC|TA1|', /PS with a bad P# "0": not a posting number/],
    ['PS|RN412|DA250314|TI201544|P#01|PTC|TA1|', /bad P# "01"/],
    ['PS|RN412|DA250314|TI201544|P#100000000|PTC|TA1|', /bad P# "100000000"/],
    ['PS|RN412|DA250314|TI201544|P#-1|PTC|TA1|', /bad P# "-1"/],
    ['PS|RN412|DA250314|TI201544|P#1|PTM|MA1|', /PS with a bad PT "M": not T or C/],
    ['PS|RN412|DA250314|TI201544|P#1|PTC|', /^PS with PT C without TA$/],
    ['PS|RN412|DA250314|TI201544|P#1|PTC|TA10.50|', /PS with a bad TA "10.50": not an amount/],
    ['PS|RN412|DA250314|TI201544|P#1|PTC|TA1,5|', /bad TA "1,5"/],
    ['PS|RN412|DA250314|TI201544|P#1|PTC|TA1234567890123456|', /bad TA/],
    ['PS|RN412|DA250314|TI201544|P#1|PTT|DD123|', /^PS with PT T without DU or MP$/],
    ['PS|RN412|DA250314|TI201544|P#1|PTT|DU000100|', /^PS with PT T and DU without DD$/],
    ['PS|RN412|DA250314|TI201544|P#1|PTT|DD1|DU000100|MP3|', /both DU and MP/],
    ['PS|RN412|DA250314|TI201544|P#1|PTT|DD1|DU006000|', /PS with a bad DU "006000": not a duration/],
    ['PS|RN412|DA250314|TI201544|P#1|PTT|DD12-34|DU000100|', /PS with a bad DD/],
    ['PS|RN412|DA250314|TI201544|P#1|PTT|MP1x|', /PS with a bad MP/],
    [`PS|RN412|DA250314|TI201544|P#1|PTC|TA1|CT${'c'.repeat(21)}|`, /PS with a bad CT .*longer than 20/],
    ['PS|RN412|DA250314|TI201544|P#1|PTC|TA1|SO123456|', /PS with a bad SO/],
    ['PA|ASOK|', /^PA without P#$/],
    ['PA|P#1|', /^PA without AS$/],
    ['PA|ASXX|P#1|', /PA with a bad AS "XX": not an answer status/],
    ['PA|ASOK|P#0|', /PA with a bad P# "0"/],
    ['PA|ASOK|P#1|DA250230|', /PA with a bad DA/],
  ];
  for (const [w, message] of cases)
    it(`${w.length > 48 ? `${w.slice(0, 48)}…` : w} → ${message.source}`, () =>
      assert.match(refused(w), message));

  it('a record the engine does not use is refused as such by validateRecord', () => {
    assert.equal(refused('ZZ|RN1|'), 'Record ZZ is not one the engine uses');
    assert.equal(refused('KR|RN1|'), 'Record KR is not one the engine uses');
  });

  it('FIAS_MESSAGE_IDS lists the 17 records the engine handles', () => {
    assert.deepEqual([...FIAS_MESSAGE_IDS].sort(), [
      'DE',
      'DR',
      'DS',
      'GC',
      'GI',
      'GO',
      'LA',
      'LD',
      'LE',
      'LR',
      'LS',
      'PA',
      'PS',
      'RE',
      'WA',
      'WC',
      'WR',
    ]);
  });

  it('the first problem is the one reported', () => {
    assert.equal(refused('WR|DA250399|'), 'WR without RN');
  });
});

describe('fias records: builders write the exact wire text', () => {
  const stamp = { date: D(2025, 3, 14), time: T(9, 5, 3) };
  it('LS, LA, LE, DR: DA then TI, zero-padded', () => {
    assert.equal(wire(buildLS(stamp)), 'LS|DA250314|TI090503|');
    assert.equal(wire(buildLA(stamp)), 'LA|DA250314|TI090503|');
    assert.equal(wire(buildLE({ date: D(2000, 1, 2), time: T(0, 0, 0) })), 'LE|DA000102|TI000000|');
    assert.equal(wire(buildDR({ date: D(2099, 12, 31), time: T(23, 59, 59) })), 'DR|DA991231|TI235959|');
  });

  it('LD: DA, TI, V#, IF (PB unless told)', () => {
    assert.equal(wire(buildLD({ ...stamp, version: '0.1.0' })), 'LD|DA250314|TI090503|V#0.1.0|IFPB|');
    assert.equal(
      wire(buildLD({ ...stamp, version: '2', interfaceType: 'VM' })),
      'LD|DA250314|TI090503|V#2|IFVM|',
    );
  });

  it('LR: RI then FL, field IDs concatenated', () => {
    assert.equal(
      wire(buildLR({ recordId: 'PS', fieldIds: ['RN', 'DA', 'TI', 'P#', 'PT', 'TA'] })),
      'LR|RIPS|FLRNDATIP#PTTA|',
    );
  });

  it('RE: RN, then RS, ID, VM', () => {
    assert.equal(wire(buildRE({ room: '412', roomStatus: 3, maidId: 'Maid 5' })), 'RE|RN412|RS3|IDMaid 5|');
    assert.equal(
      wire(buildRE({ room: '412', voicemail: { kind: 'counts', unread: 1, read: 3 } })),
      'RE|RN412|VM0103|',
    );
    assert.equal(wire(buildRE({ room: '412', voicemail: { kind: 'flag', on: true } })), 'RE|RN412|VMY|');
    assert.equal(wire(buildRE({ room: '412', roomStatus: 10 })), 'RE|RN412|RS10|');
  });

  it('WA: the requested time, seconds included', () => {
    assert.equal(
      wire(buildWA({ room: '508', date: D(2025, 3, 15), time: T(7, 15, 45), status: 'BY' })),
      'WA|RN508|DA250315|TI071545|ASBY|',
    );
  });

  it('PS: duration, pulses and amount postings', () => {
    const base = { room: '412', date: D(2025, 3, 14), time: T(20, 15, 44) };
    assert.equal(
      wire(
        buildPS({
          ...base,
          postingNumber: 1,
          charge: { type: 'duration', dialledDigits: '0044207', durationSec: 252 },
        }),
      ),
      'PS|RN412|DA250314|TI201544|P#1|PTT|DD0044207|DU000412|',
    );
    assert.equal(
      wire(buildPS({ ...base, postingNumber: 2, charge: { type: 'pulses', pulses: 14 } })),
      'PS|RN412|DA250314|TI201544|P#2|PTT|MP14|',
    );
    assert.equal(
      wire(
        buildPS({
          ...base,
          postingNumber: 99_999_999,
          charge: { type: 'amount', amount: 1050, dialledDigits: '5551234' },
          clearText: 'Local call',
          salesOutlet: '12',
        }),
      ),
      'PS|RN412|DA250314|TI201544|P#99999999|PTC|DD5551234|TA1050|CTLocal call|SO12|',
    );
  });
});

describe('fias records: builders refuse what cannot be sent', () => {
  const stamp = { date: D(2025, 3, 14), time: T(9, 5, 3) };
  const base = { room: '412', ...stamp, postingNumber: 1 };
  const cases: Array<[string, Built, RegExp]> = [
    ['LS Feb 30', buildLS({ date: D(2025, 2, 30), time: stamp.time }), /LS: bad DA: not a date in 2000-2099/],
    ['LS 1999', buildLS({ date: D(1999, 12, 31), time: stamp.time }), /bad DA/],
    ['LA 24:00', buildLA({ date: stamp.date, time: T(24, 0, 0) }), /LA: bad TI: not a time of day/],
    ['LE 12:30.5', buildLE({ date: stamp.date, time: T(12, 30, 0.5) }), /LE: bad TI/],
    ['LD version too long', buildLD({ ...stamp, version: '0.1.0-beta.1' }), /LD: bad V#/],
    ['LD version with |', buildLD({ ...stamp, version: '1|2' }), /LD: bad V#/],
    ['LR bad RI', buildLR({ recordId: 'ps', fieldIds: ['RN'] }), /LR: bad RI/],
    ['LR no fields', buildLR({ recordId: 'PS', fieldIds: [] }), /LR: bad FL/],
    ['LR 3-char field', buildLR({ recordId: 'PS', fieldIds: ['RNX', 'D'] }), /LR: bad FL/],
    ['LR twice', buildLR({ recordId: 'PS', fieldIds: ['RN', 'RN'] }), /names a field twice/],
    ['RE nothing', buildRE({ room: '412' }), /RE: nothing to send/],
    ['RE RS 7', buildRE({ room: '412', roomStatus: 7 as 1 }), /RE: bad RS/],
    ['RE bad room', buildRE({ room: '4 12', roomStatus: 1 }), /RE: bad RN/],
    [
      'RE VM 100',
      buildRE({ room: '412', voicemail: { kind: 'counts', unread: 100, read: 0 } }),
      /message counts must be 0-99/,
    ],
    ['RE ID empty', buildRE({ room: '412', maidId: '' }), /RE: bad ID/],
    ['WA RY', buildWA({ room: '412', ...stamp, status: 'RY' as 'OK' }), /WA: bad AS/],
    [
      'WA bad date',
      buildWA({ room: '412', date: D(2025, 4, 31), time: stamp.time, status: 'OK' }),
      /WA: bad DA/,
    ],
    ['PS P# 0', buildPS({ ...base, postingNumber: 0, charge: { type: 'amount', amount: 1 } }), /PS: bad P#/],
    [
      'PS P# 1e8',
      buildPS({ ...base, postingNumber: 100_000_000, charge: { type: 'amount', amount: 1 } }),
      /bad P#/,
    ],
    ['PS P# 1.5', buildPS({ ...base, postingNumber: 1.5, charge: { type: 'amount', amount: 1 } }), /bad P#/],
    [
      'PS 24 h',
      buildPS({ ...base, charge: { type: 'duration', dialledDigits: '1', durationSec: 86_400 } }),
      /PS: bad DU/,
    ],
    [
      'PS -1 s',
      buildPS({ ...base, charge: { type: 'duration', dialledDigits: '1', durationSec: -1 } }),
      /bad DU/,
    ],
    [
      'PS DD with +',
      buildPS({ ...base, charge: { type: 'duration', dialledDigits: '+44', durationSec: 1 } }),
      /PS: bad DD/,
    ],
    ['PS 10.5', buildPS({ ...base, charge: { type: 'amount', amount: 10.5 } }), /PS: bad TA/],
    ['PS huge amount', buildPS({ ...base, charge: { type: 'amount', amount: 2 ** 60 } }), /bad TA/],
    ['PS pulses -1', buildPS({ ...base, charge: { type: 'pulses', pulses: -1 } }), /PS: bad MP/],
    [
      'PS pulses 11 digits',
      buildPS({ ...base, charge: { type: 'pulses', pulses: 12_345_678_901 } }),
      /bad MP/,
    ],
    [
      'PS CT 21',
      buildPS({ ...base, charge: { type: 'amount', amount: 1 }, clearText: 'x'.repeat(21) }),
      /PS: bad CT/,
    ],
    [
      'PS CT |',
      buildPS({ ...base, charge: { type: 'amount', amount: 1 }, clearText: 'a|TA9' }),
      /PS: bad CT/,
    ],
    [
      'PS CT CR',
      buildPS({ ...base, charge: { type: 'amount', amount: 1 }, clearText: 'a\r' }),
      /control character/,
    ],
    ['PS SO', buildPS({ ...base, charge: { type: 'amount', amount: 1 }, salesOutlet: 'A1' }), /PS: bad SO/],
  ];
  for (const [name, built, message] of cases)
    it(name, () => {
      assert.ok(!built.ok, `${name} should be refused`);
      assert.match(built.message, message);
    });
});

describe('fias records: builders round-trip through the codec and the validators', () => {
  it('2,000 random WA, PS and RE values come back as built, in every code page', () => {
    const rng = new Rng(0x5eed);
    const date = () => D(2000 + rng.int(0, 99), rng.int(1, 12), rng.int(1, 28));
    const time = () => T(rng.int(0, 23), rng.int(0, 59), rng.int(0, 59));
    const room = () => String(rng.int(1, 99_999));
    for (let i = 0; i < 2000; i++) {
      const encoding = rng.pick(['latin1', 'cp850', 'utf8'] as const);
      const through = (b: Built): FiasMessage => {
        assert.ok(b.ok, b.ok ? '' : b.message);
        const [r] = new FiasParser({ encoding }).push(serializeRecord(b.record, encoding));
        assert.ok(r?.ok);
        const v = validateRecord(r.record);
        assert.ok(v.ok, v.ok ? '' : v.message);
        return v.value;
      };
      const wa = { room: room(), date: date(), time: time(), status: rng.pick(['OK', 'NR', 'BY'] as const) };
      assert.deepEqual(through(buildWA(wa)), { id: 'WA', ...wa, extra: none });
      const charge = rng.pick([
        {
          type: 'duration' as const,
          dialledDigits: String(rng.int(0, 1e9)),
          durationSec: rng.int(0, 86_399),
        },
        { type: 'pulses' as const, pulses: rng.int(0, 1e6), dialledDigits: undefined },
        { type: 'amount' as const, amount: rng.int(0, 1e9), dialledDigits: undefined },
      ]);
      const ps = {
        room: room(),
        date: date(),
        time: time(),
        postingNumber: rng.int(1, 99_999_999),
        charge,
        callType: rng.pick(['L', 'N', 'I', undefined] as const),
      };
      assert.deepEqual(through(buildPS(ps)), {
        id: 'PS',
        ...ps,
        clearText: undefined,
        salesOutlet: undefined,
        extra: none,
      });
      const re = {
        room: room(),
        roomStatus: rng.pick([1, 2, 3, 4, 5, 6, 8, 9, 10] as const),
        maidId: `Zoë ${i}`,
      };
      const got = through(buildRE(re));
      assert.ok(
        got.id === 'RE' &&
          got.roomStatus === re.roomStatus &&
          got.maidId === re.maidId &&
          got.room === re.room,
      );
    }
  });

  it('the GC share flag of the old room survives a write and a read', () => {
    const r = fiasRecord('GC', [
      ['RN', '508'],
      ['GS', 'N'],
      ['RO', '412'],
      [OLD_ROOM_SHARE, 'Y'],
    ]);
    const [back] = new FiasParser().push(serializeRecord(r, 'latin1'));
    assert.ok(back?.ok);
    const v = validateRecord(back.record);
    assert.ok(v.ok && v.value.id === 'GC' && v.value.shared === false && v.value.oldRoomShared === true);
  });
});
