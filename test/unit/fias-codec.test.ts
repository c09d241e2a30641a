// FIAS codec: example sessions whole, byte by byte and split at every position; round trip; the three
// code pages with non-ASCII names; control characters refused both ways; noise, oversized, duplicate
// and malformed records as error values.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeRecord,
  FiasEncodeError,
  FiasParser,
  OLD_ROOM_SHARE,
  serializeRecord,
  type FiasEncoding,
  type FiasParseResult,
} from '../../src/fias/codec/index.js';
import { CP850_HIGH } from '../../src/fias/codec/cp850.js';
import { fiasRecord, type FiasRecord } from '../../src/fias/record.js';
import { FIAS_SESSIONS } from '../fixtures/fias-sessions.js';

type Got = Array<[string, ...Array<[string, string]>] | string>;

/** Records as [id, ...entries], errors as their code. */
function read(chunks: Buffer[], parser = new FiasParser()): Got {
  const out: FiasParseResult[] = [];
  for (const c of chunks) out.push(...parser.push(c));
  return out.map((r) => (r.ok ? [r.record.id, ...r.record.fields] : r.error.code));
}

function errors(chunks: Buffer[], parser = new FiasParser()): FiasParseResult[] {
  return chunks.flatMap((c) => parser.push(c));
}

const bytewise = (buf: Buffer): Buffer[] => [...buf].map((b) => Buffer.from([b]));
const frame = (wire: string): Buffer =>
  Buffer.concat([Buffer.from([0x02]), Buffer.from(wire, 'latin1'), Buffer.from([0x03])]);

/** The fixture's hand-written expectation: each entry is a 2-character field ID (or RO.GS) + data. */
function expected(record: string[]): [string, ...Array<[string, string]>] {
  const [id, ...entries] = record;
  return [
    id!,
    ...entries.map((e): [string, string] => {
      const key = e.startsWith(OLD_ROOM_SHARE) ? OLD_ROOM_SHARE : e.slice(0, 2);
      return [key, e.slice(key.length)];
    }),
  ];
}

const toRecord = (e: [string, ...Array<[string, string]>]): FiasRecord =>
  fiasRecord(e[0], e.slice(1) as Array<[string, string]>);

describe('fias codec: example sessions', () => {
  for (const session of FIAS_SESSIONS) {
    const buf = Buffer.concat(session.records.map((x) => frame(x.wire)));
    const want = session.records.map((x) => expected(x.record));
    it(`${session.name}: whole`, () => assert.deepEqual(read([buf]), want));
    it(`${session.name}: byte by byte`, () => assert.deepEqual(read(bytewise(buf)), want));
    it(`${session.name}: split at every position`, () => {
      for (let i = 1; i < buf.length; i++)
        assert.deepEqual(read([buf.subarray(0, i), buf.subarray(i)]), want, `split at ${i}`);
    });
    it(`${session.name}: the writer produces the same bytes`, () => {
      const written = Buffer.concat(want.map((e) => serializeRecord(toRecord(e), 'latin1')));
      assert.equal(written.toString('latin1'), buf.toString('latin1'));
    });
  }

  it('all sessions back to back, whole and byte by byte', () => {
    const all = FIAS_SESSIONS.flatMap((s) => s.records);
    const buf = Buffer.concat(all.map((x) => frame(x.wire)));
    const want = all.map((x) => expected(x.record));
    assert.deepEqual(read([buf]), want);
    assert.deepEqual(read(bytewise(buf)), want);
  });
});

describe('fias codec: code pages', () => {
  it('cp850 table: known entries, 128 distinct code points, none ASCII or C1', () => {
    const at = (b: number): number => CP850_HIGH[b - 0x80]!;
    assert.equal(at(0x81), 0x00fc); // ü
    assert.equal(at(0x82), 0x00e9); // é
    assert.equal(at(0xe1), 0x00df); // ß
    assert.equal(at(0x9c), 0x00a3); // £
    assert.equal(at(0xd5), 0x0131); // ı
    assert.equal(at(0xa4), 0x00f1); // ñ
    assert.equal(at(0x9d), 0x00d8); // Ø
    assert.equal(CP850_HIGH.length, 128);
    assert.equal(new Set(CP850_HIGH).size, 128);
    assert.ok(CP850_HIGH.every((cp) => cp >= 0xa0));
  });

  it('cp850: every byte 0x80-0xFF reads as its table entry and writes back to itself', () => {
    const data = Buffer.from(Array.from({ length: 128 }, (_, i) => 0x80 + i));
    const wire = Buffer.concat([Buffer.from('\x02GI|GN'), data, Buffer.from('|\x03')]);
    const got = new FiasParser({ encoding: 'cp850' }).push(wire)[0]!;
    assert.ok(got.ok);
    assert.equal(got.record.fields.get('GN'), String.fromCodePoint(...CP850_HIGH));
    assert.deepEqual(serializeRecord(got.record, 'cp850'), wire);
  });

  // ü é ß ñ Ø, byte for byte in each code page.
  const special = 'üéßñØ';
  const bytesOf: Record<FiasEncoding, number[]> = {
    latin1: [0xfc, 0xe9, 0xdf, 0xf1, 0xd8],
    cp850: [0x81, 0x82, 0xe1, 0xa4, 0x9d],
    utf8: [0xc3, 0xbc, 0xc3, 0xa9, 0xc3, 0x9f, 0xc3, 0xb1, 0xc3, 0x98],
  };
  for (const encoding of ['latin1', 'cp850', 'utf8'] as const) {
    it(`${encoding}: ü é ß ñ Ø written as the code page's bytes and read back, whole, byte by byte, split`, () => {
      const rec = fiasRecord('GI', [
        ['RN', '412'],
        ['GN', special],
        ['GF', 'Zoë Núñez'],
      ]);
      const bytes = serializeRecord(rec, encoding);
      const want = Buffer.concat([
        Buffer.from('\x02GI|RN412|GN'),
        Buffer.from(bytesOf[encoding]),
        Buffer.from('|GF'),
      ]);
      assert.deepEqual(bytes.subarray(0, want.length), want);
      const p = (): FiasParser => new FiasParser({ encoding });
      const records = [['GI', ['RN', '412'], ['GN', special], ['GF', 'Zoë Núñez']]];
      assert.deepEqual(read([bytes], p()), records);
      assert.deepEqual(read(bytewise(bytes), p()), records);
      for (let i = 1; i < bytes.length; i++)
        assert.deepEqual(read([bytes.subarray(0, i), bytes.subarray(i)], p()), records, `split at ${i}`);
    });
  }

  it('utf8: 張三 round-trips, also split inside a character', () => {
    const bytes = serializeRecord(
      fiasRecord('GI', [
        ['RN', '8'],
        ['GN', '張三'],
        ['GF', 'ü'],
      ]),
      'utf8',
    );
    assert.deepEqual(
      bytes.subarray(bytes.indexOf('GN') + 2, bytes.indexOf('GN') + 8),
      Buffer.from([0xe5, 0xbc, 0xb5, 0xe4, 0xb8, 0x89]),
    );
    const want = [['GI', ['RN', '8'], ['GN', '張三'], ['GF', 'ü']]];
    for (let i = 1; i < bytes.length; i++)
      assert.deepEqual(
        read([bytes.subarray(0, i), bytes.subarray(i)], new FiasParser({ encoding: 'utf8' })),
        want,
      );
  });

  it('a character the code page cannot hold is refused, never replaced by "?"', () => {
    for (const [encoding, text] of [
      ['latin1', '張三'],
      ['cp850', '張三'],
      ['latin1', 'ı'], // in cp850 (0xD5), not in latin1
      ['cp850', 'Œ'],
      ['latin1', '€'],
      ['utf8', 'a\ud800b'], // a lone surrogate has no UTF-8 form
    ] as Array<[FiasEncoding, string]>) {
      const r = encodeRecord(
        fiasRecord('GI', [
          ['RN', '1'],
          ['GN', text],
        ]),
        encoding,
      );
      assert.ok(!r.ok, `${encoding} ${text}`);
      assert.equal(r.error.code, 'unrepresentable');
      assert.equal(r.error.field, 'GN');
      assert.match(r.error.message, new RegExp(`has no ${encoding} form`));
      assert.throws(() => serializeRecord(fiasRecord('GI', [['GN', text]]), encoding), FiasEncodeError);
    }
    assert.ok(encodeRecord(fiasRecord('GI', [['GN', 'ı']]), 'cp850').ok);
  });

  it('invalid UTF-8 is an error value naming the field; the same bytes are fine in latin1', () => {
    const wire = Buffer.concat([
      Buffer.from('\x02GI|RN1|GN'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('|\x03'),
    ]);
    const [r] = errors([wire], new FiasParser({ encoding: 'utf8' }));
    assert.ok(r && !r.ok);
    assert.equal(r.error.code, 'bad-utf8');
    assert.equal(r.error.field, 'GN');
    assert.equal(r.error.recordId, 'GI');
    assert.deepEqual(read([wire], new FiasParser({ encoding: 'latin1' })), [
      ['GI', ['RN', '1'], ['GN', 'Ã(']],
    ]);
  });
});

describe('fias codec: control characters', () => {
  const controls = [...Array.from({ length: 0x20 }, (_, i) => i), 0x7f].filter(
    (b) => b !== 0x02 && b !== 0x03,
  );

  it('each control byte in data is an error value naming the field and record; the next record is read', () => {
    for (const b of controls) {
      const wire = Buffer.concat([
        Buffer.from('\x02GI|RN412|GNAb'),
        Buffer.from([b]),
        Buffer.from('c|GSN|\x03\x02LA|\x03'),
      ]);
      const out = errors([wire]);
      assert.equal(out.length, 2, `byte ${b}`);
      const [bad, next] = out;
      assert.ok(bad && !bad.ok);
      assert.equal(bad.error.code, 'control-char');
      assert.equal(bad.error.field, 'GN');
      assert.equal(bad.error.recordId, 'GI');
      assert.match(bad.error.message, /Control character 0x[0-9A-F]{2} in field GN of GI/);
      assert.ok(next?.ok && next.record.id === 'LA');
    }
  });

  it('a control byte in a field ID or the record ID is refused too', () => {
    const [a] = errors([Buffer.from('\x02GI|R\x07412|\x03')]);
    assert.ok(a && !a.ok && a.error.code === 'control-char' && /field ID of GI/.test(a.error.message));
    const [b] = errors([Buffer.from('\x02G\x1b|RN1|\x03')]);
    assert.ok(b && !b.ok && b.error.code === 'bad-record-id' && /control character/.test(b.error.message));
  });

  it('STX inside a record drops the partial record (an error) and starts a new one', () => {
    const out = errors([Buffer.from('\x02GI|RN41\x02GO|RN412|\x03')]);
    assert.equal(out.length, 2);
    assert.ok(!out[0]!.ok && out[0]!.error.code === 'unterminated' && out[0]!.error.recordId === 'GI');
    assert.deepEqual(read([Buffer.from('\x02GI|RN41\x02GO|RN412|\x03')]), [
      'unterminated',
      ['GO', ['RN', '412']],
    ]);
  });

  it('the writer refuses every control character (C0, DEL, C1) and "|" in data', () => {
    for (const c of [...controls, 0x02, 0x03, 0x80, 0x85, 0x9f]) {
      const r = encodeRecord(fiasRecord('GI', [['GN', `a${String.fromCharCode(c)}b`]]), 'latin1');
      assert.ok(!r.ok, `char ${c}`);
      assert.equal(r.error.code, 'control-char');
      assert.equal(r.error.field, 'GN');
    }
    const bar = encodeRecord(fiasRecord('PS', [['CT', 'a|TA1']]), 'utf8');
    assert.ok(!bar.ok && bar.error.code === 'separator-in-data' && bar.error.field === 'CT');
    assert.throws(
      () => serializeRecord(fiasRecord('RE', [['ID', 'x\r\n']]), 'latin1'),
      /Control character U\+000D/,
    );
  });

  it('the writer refuses a bad record ID or field ID', () => {
    for (const id of ['gi', 'G', 'GIX', 'G|', '']) {
      const r = encodeRecord(fiasRecord(id, [['RN', '1']]), 'latin1');
      assert.ok(!r.ok && r.error.code === 'bad-record-id', id);
    }
    for (const fid of ['R', 'RNX', 'R|', 'R ', 'Rü', '']) {
      const r = encodeRecord(fiasRecord('GI', [[fid, '1']]), 'latin1');
      assert.ok(!r.ok && r.error.code === 'bad-field-id', JSON.stringify(fid));
    }
    assert.ok(
      encodeRecord(
        fiasRecord('PS', [
          ['P#', '1'],
          ['G+', '2'],
          ['$2', '3'],
        ]),
        'latin1',
      ).ok,
    );
  });
});

describe('fias codec: noise and resync', () => {
  it('bytes between records are one error per run; records around them are intact', () => {
    const a = frame('LS|DA250314|TI091502|');
    const b = frame('LA|DA250314|TI091503|');
    const input = Buffer.concat([
      Buffer.from('\r\n'),
      a,
      Buffer.from('\x06\x15junk\x03'),
      b,
      Buffer.from('\n'),
    ]);
    const want = [
      'noise',
      ['LS', ['DA', '250314'], ['TI', '091502']],
      'noise',
      ['LA', ['DA', '250314'], ['TI', '091503']],
      'noise',
    ];
    assert.deepEqual(read([input]), want);
    assert.deepEqual(read(bytewise(input)), want);
    for (let i = 1; i < input.length; i++)
      assert.deepEqual(read([input.subarray(0, i), input.subarray(i)]), want);
    const [first] = errors([Buffer.from('\x06LS|\x03')]);
    assert.ok(first && !first.ok);
    assert.match(first.error.message, /first 0x06/);
  });

  it('an ETX early in a record ends it there; what follows up to the next STX is noise', () => {
    assert.deepEqual(read([Buffer.from('\x02GI|RN412|\x03GN|\x03\x02LA|\x03')]), [
      ['GI', ['RN', '412']],
      'noise',
      ['LA'],
    ]);
  });
});

describe('fias codec: oversized records', () => {
  const p = (): FiasParser => new FiasParser({ maxRecordBytes: 64 });
  const sized = (n: number): Buffer => frame(`GI|GN${'x'.repeat(n - 6)}|`); // n bytes between STX and ETX

  it('a record of exactly maxRecordBytes is read; one byte more is refused and skipped to its ETX', () => {
    assert.equal(sized(64).length, 66);
    assert.equal(typeof read([sized(64)], p())[0], 'object');
    const next = frame('LA|');
    const input = Buffer.concat([sized(65), next]);
    assert.deepEqual(read([input], p()), ['too-large', ['LA']]);
    assert.deepEqual(read(bytewise(input), p()), ['too-large', ['LA']]);
    for (let i = 1; i < input.length; i++)
      assert.deepEqual(
        read([input.subarray(0, i), input.subarray(i)], p()),
        ['too-large', ['LA']],
        `split ${i}`,
      );
  });

  it('an oversized record cut short by an STX: the new record is read', () => {
    const input = Buffer.concat([Buffer.from(`\x02GI|GN${'y'.repeat(200)}`), frame('GO|RN1|')]);
    assert.deepEqual(read([input], p()), ['too-large', ['GO', ['RN', '1']]]);
    assert.deepEqual(read(bytewise(input), p()), ['too-large', ['GO', ['RN', '1']]]);
  });

  it('10 MB without an ETX is refused once and never buffered', () => {
    const parser = new FiasParser({ maxRecordBytes: 1024 });
    const out: FiasParseResult[] = [];
    out.push(...parser.push(Buffer.from('\x02GI|GN')));
    const chunk = Buffer.alloc(65_536, 0x41);
    for (let i = 0; i < 160; i++) {
      out.push(...parser.push(chunk));
      assert.ok((parser as unknown as { size: number }).size <= 1024);
    }
    out.push(...parser.push(Buffer.from('|\x03\x02LA|\x03')));
    assert.deepEqual(
      out.map((r) => (r.ok ? r.record.id : r.error.code)),
      ['too-large', 'LA'],
    );
  });

  it('the error names the record when its ID had arrived', () => {
    const [r] = errors([sized(65)], p());
    assert.ok(r && !r.ok && r.error.recordId === 'GI' && /exceeds 64 bytes/.test(r.error.message));
  });
});

describe('fias codec: record and field shapes', () => {
  const one = (wire: string, parser?: FiasParser): FiasParseResult => errors([frame(wire)], parser)[0]!;
  const code = (wire: string): string => {
    const r = one(wire);
    return r.ok ? 'ok' : r.error.code;
  };

  it('a duplicate field ID is an error value naming it', () => {
    const r = one('GI|RN412|GNA|RN508|');
    assert.ok(
      !r.ok && r.error.code === 'duplicate-field' && r.error.field === 'RN' && r.error.recordId === 'GI',
    );
    assert.equal(code('GI|GSN|RN1|GSY|'), 'duplicate-field', 'GS twice, the second not after RO');
    assert.equal(code('GC|RO1|RO2|'), 'duplicate-field');
    assert.equal(code('GC|RN2|RO1|GSN|GN|RO3|GSY|'), 'duplicate-field');
  });

  it('GS right after RO is the old room share flag (a room move), kept under OLD_ROOM_SHARE', () => {
    assert.deepEqual(read([frame('GC|RO332|GSN|RN312|GSY|')]), [
      ['GC', ['RO', '332'], [OLD_ROOM_SHARE, 'N'], ['RN', '312'], ['GS', 'Y']],
    ]);
    assert.deepEqual(read([frame('GC|RN312|RO332|GSN|')]), [
      ['GC', ['RN', '312'], ['RO', '332'], [OLD_ROOM_SHARE, 'N']],
    ]);
  });

  it('the writer keeps the share flags apart: RO.GS only right after RO, GS never right after RO', () => {
    const ok = fiasRecord('GC', [
      ['RN', '312'],
      ['GS', 'Y'],
      ['RO', '332'],
      [OLD_ROOM_SHARE, 'N'],
    ]);
    assert.equal(serializeRecord(ok, 'latin1').toString('latin1'), '\x02GC|RN312|GSY|RO332|GSN|\x03');
    const misplaced = encodeRecord(
      fiasRecord('GC', [
        [OLD_ROOM_SHARE, 'N'],
        ['RO', '332'],
      ]),
      'latin1',
    );
    assert.ok(!misplaced.ok && misplaced.error.code === 'share-flag-order');
    const ambiguous = encodeRecord(
      fiasRecord('GC', [
        ['RO', '332'],
        ['GS', 'N'],
      ]),
      'latin1',
    );
    assert.ok(!ambiguous.ok && ambiguous.error.code === 'share-flag-order');
  });

  it('a last field without its trailing "|" is accepted (lenient reader); the writer always writes it', () => {
    assert.deepEqual(read([frame('LS|DA250314|TI091502')]), [['LS', ['DA', '250314'], ['TI', '091502']]]);
    assert.deepEqual(read([frame('GI|RN1|SF')]), [['GI', ['RN', '1'], ['SF', '']]]);
  });

  it('a record of its ID and "|" alone has no fields; empty data is a value', () => {
    assert.deepEqual(read([frame('LA|')]), [['LA']]);
    assert.deepEqual(read([frame('WC|RN1|DA|TI|')]), [['WC', ['RN', '1'], ['DA', ''], ['TI', '']]]);
  });

  it('a bad record ID, a missing separator, an empty or one-character field are error values', () => {
    for (const w of ['gi|RN1|', 'G|RN1|', '|RN1|', 'GÜ|RN1|', '', 'G'])
      assert.equal(code(w), 'bad-record-id', w);
    assert.equal(code('LS'), 'no-separator');
    assert.equal(code('LSDA250314|'), 'no-separator');
    assert.equal(code('GI|RN1||GNA|'), 'bad-field');
    assert.equal(code('GI||'), 'bad-field');
    assert.equal(code('GI|RN1|G|'), 'bad-field');
    assert.equal(code('GI|RN1|G'), 'bad-field');
    assert.equal(code('GI|Rü1|'), 'bad-field-id');
    assert.equal(code('GI| N1|'), 'bad-field-id');
    const r = one('GI|RN1||');
    assert.ok(!r.ok && /empty field \(\|\|\) in GI \(after RN\)/.test(r.error.message));
  });

  it('unknown record and field IDs, and field IDs with signs and digits, are read like any other', () => {
    assert.deepEqual(read([frame('ZZ|Q1x|P#17|G+9|$2;123=|A0|')]), [
      ['ZZ', ['Q1', 'x'], ['P#', '17'], ['G+', '9'], ['$2', ';123='], ['A0', '']],
    ]);
    assert.deepEqual(read([frame('$A|TA100|')]), [['$A', ['TA', '100']]]);
  });

  it('data keeps leading zeros and spaces (no padding is ever stripped)', () => {
    assert.deepEqual(read([frame('GI|RN 0412|GN  Ann |')]), [['GI', ['RN', ' 0412'], ['GN', '  Ann ']]]);
  });

  it('a chunk that is a Uint8Array, not a Buffer, is read the same', () => {
    const buf = frame('LA|DA250314|TI091503|');
    const arr = new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    assert.deepEqual(read([arr as Buffer]), [['LA', ['DA', '250314'], ['TI', '091503']]]);
  });

  it('maxRecordBytes must be a sane integer', () => {
    assert.throws(() => new FiasParser({ maxRecordBytes: 0 }), RangeError);
    assert.throws(() => new FiasParser({ maxRecordBytes: 1.5 }), RangeError);
  });
});
