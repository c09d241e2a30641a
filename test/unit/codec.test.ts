import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameParser, serialize, type ParseResult } from '../../src/protocol/index.js';
import { SEED_DEMOS } from '../fixtures/seed-demos.js';

type Got = Array<Array<[string, string]> | string>;

/** Frames as key/value lists, errors as their code. */
function read(chunks: Buffer[], parser = new FrameParser()): Got {
  const out: ParseResult[] = [];
  for (const c of chunks) out.push(...parser.push(c));
  return out.map((r) => (r.ok ? [...r.frame] : r.error.code));
}

function bytewise(buf: Buffer): Buffer[] {
  return [...buf].map((b) => Buffer.from([b]));
}

describe('codec: seed 000 demo frames', () => {
  for (const demo of SEED_DEMOS) {
    const buf = Buffer.from(demo.bytes, 'utf8');
    it(`${demo.name}: whole`, () => {
      assert.deepEqual(read([buf]), demo.frames);
    });
    it(`${demo.name}: byte by byte`, () => {
      assert.deepEqual(read(bytewise(buf)), demo.frames);
    });
    it(`${demo.name}: split at every position`, () => {
      for (let i = 1; i < buf.length; i++) {
        assert.deepEqual(read([buf.subarray(0, i), buf.subarray(i)]), demo.frames, `split at ${i}`);
      }
    });
  }

  it('all demos back to back in one chunk, then byte by byte', () => {
    const all = Buffer.from(SEED_DEMOS.map((d) => d.bytes).join(''), 'utf8');
    const expected = SEED_DEMOS.flatMap((d) => d.frames);
    assert.deepEqual(read([all]), expected);
    assert.deepEqual(read(bytewise(all)), expected);
  });
});

describe('codec: lenient reader', () => {
  it('accepts bare LF line ends, missing space after the colon, spaces around keys and values', () => {
    const got = read([Buffer.from('Action:Set\n  SeqID :  7  \nCallMethod:ExtenName\nName: a: b\n\n')]);
    assert.deepEqual(got, [
      [
        ['Action', 'Set'],
        ['SeqID', '7'],
        ['CallMethod', 'ExtenName'],
        ['Name', 'a: b'],
      ],
    ]);
  });

  it('ignores empty frames (runs of blank lines)', () => {
    assert.deepEqual(read([Buffer.from('\r\n\r\n\n \r\nA: 1\r\n\r\n\r\n\r\n')]), [[['A', '1']]]);
  });

  it('keeps a multi-byte UTF-8 character split across chunks', () => {
    const buf = Buffer.from('Name: 张三\r\n\r\n', 'utf8');
    const at = buf.indexOf(0xe5) + 1; // inside the first character
    assert.deepEqual(read([buf.subarray(0, at), buf.subarray(at)]), [[['Name', '张三']]]);
  });

  it('keeps case of keys and values', () => {
    assert.deepEqual(read([Buffer.from('action: set\r\nAction: Set\r\n\r\n')]), [
      [
        ['action', 'set'],
        ['Action', 'Set'],
      ],
    ]);
  });
});

describe('codec: bad input becomes an error value', () => {
  it('a line without a colon fails the whole frame, keeping SeqID for the reply; the next frame is fine', () => {
    const p = new FrameParser();
    const out = p.push(Buffer.from('Action: Set\r\nSeqID: 9\r\ngarbage\r\nPhone: 8001\r\n\r\nA: 1\r\n\r\n'));
    assert.equal(out.length, 2);
    assert.equal(out[0]!.ok, false);
    if (!out[0]!.ok) {
      assert.equal(out[0]!.error.code, 'no-colon');
      assert.equal(out[0]!.error.fields.get('SeqID'), '9');
      assert.match(out[0]!.error.message, /no colon/);
    }
    assert.deepEqual(out[1], { ok: true, frame: new Map([['A', '1']]) });
  });

  it('invalid UTF-8, a duplicate key, an empty key and a control character are errors', () => {
    const bad = Buffer.concat([Buffer.from('Name: '), Buffer.from([0xff, 0xfe]), Buffer.from('\r\n\r\n')]);
    assert.deepEqual(read([bad]), ['bad-utf8']);
    assert.deepEqual(read([Buffer.from('A: 1\r\nA: 2\r\n\r\n')]), ['duplicate-key']);
    assert.deepEqual(read([Buffer.from(': 1\r\n\r\n')]), ['empty-key']);
    assert.deepEqual(read([Buffer.from('Name: a\x07b\r\n\r\n')]), ['control-char']);
  });

  it('a frame over the bound is refused once, discarded to its end, and reading goes on', () => {
    const p = new FrameParser({ maxFrameBytes: 256 });
    const big = `Action: Set\r\nSeqID: 5\r\nName: ${'x'.repeat(1000)}\r\nMore: y\r\n\r\n`;
    const out = p.push(Buffer.from(`${big}A: 1\r\n\r\n`));
    assert.equal(out.length, 2);
    assert.equal(out[0]!.ok, false);
    if (!out[0]!.ok) {
      assert.equal(out[0]!.error.code, 'too-large');
      assert.equal(out[0]!.error.fields.get('SeqID'), '5');
      assert.equal(out[0]!.error.fatal, false);
    }
    assert.equal(out[1]!.ok, true);
  });

  it('the same oversized frame fed byte by byte gives the same results', () => {
    const big = Buffer.from(`SeqID: 5\r\nName: ${'x'.repeat(600)}\r\n\r\nA: 1\r\n\r\n`);
    assert.deepEqual(read(bytewise(big), new FrameParser({ maxFrameBytes: 256 })), [
      'too-large',
      [['A', '1']],
    ]);
  });

  it('a frame of exactly the bound is accepted; one byte more is not', () => {
    const frame = (n: number) => `A: ${'x'.repeat(n)}\r\n\r\n`;
    const exact = Buffer.byteLength(frame(0));
    const p = (n: number) => read([Buffer.from(frame(n))], new FrameParser({ maxFrameBytes: exact + 100 }));
    assert.equal(typeof p(100)[0], 'object');
    assert.deepEqual(p(101), ['too-large']);
  });

  it('an endless oversized frame is a fatal flood after the discard bound', () => {
    const p = new FrameParser({ maxFrameBytes: 256, maxDiscardBytes: 4096 });
    const results: ParseResult[] = [];
    for (let i = 0; i < 100; i++) results.push(...p.push(Buffer.from('y'.repeat(100) + '\r\n')));
    const codes = results.map((r) => (r.ok ? 'frame' : r.error.code));
    assert.deepEqual(codes, ['too-large', 'flood']);
    const flood = results[1]!;
    assert.ok(!flood.ok && flood.error.fatal);
    assert.deepEqual(p.push(Buffer.from('A: 1\r\n\r\n')), [], 'nothing more is read after a flood');
  });
});

describe('codec: flood arriving in one chunk', () => {
  it('bytes after the bound in the same chunk count toward the flood (regression: they were skipped uncounted)', () => {
    const p = new FrameParser({ maxFrameBytes: 1024, maxDiscardBytes: 8192 });
    const codes = p.push(Buffer.from('x'.repeat(20_000))).map((r) => (r.ok ? 'frame' : r.error.code));
    assert.deepEqual(codes, ['too-large', 'flood']);
  });
});

describe('codec: a line of blanks that crosses the bound', () => {
  it('ends the oversized frame however it is chunked (regression: spaces already buffered counted as text)', () => {
    // 253 bytes of frame, then a line of 4 spaces: that line crosses the 256-byte bound, so the frame
    // is refused; being blank, it also ends the frame, and the next frame is read. Found by the fuzz.
    const head = Buffer.from(`A: ${'x'.repeat(248)}\r\n`);
    const tail = Buffer.from('    \r\nB: 1\r\n\r\n');
    const expected = ['too-large', [['B', '1']]];
    const parser = (): FrameParser => new FrameParser({ maxFrameBytes: 256 });
    assert.deepEqual(read([Buffer.concat([head, tail])], parser()), expected);
    for (let i = 1; i < tail.length; i++)
      assert.deepEqual(
        read([head, tail.subarray(0, i), tail.subarray(i)], parser()),
        expected,
        `split at ${i}`,
      );
    assert.deepEqual(read(bytewise(Buffer.concat([head, tail])), parser()), expected);
  });
});

describe('codec: strict writer', () => {
  it('writes Key: Value CRLF lines and a CRLF terminator, UTF-8', () => {
    const out = serialize([
      ['ServiceType', 'PMS'],
      ['SeqID', 12],
      ['Name', '张三'],
    ]);
    assert.equal(out.toString('utf8'), 'ServiceType: PMS\r\nSeqID: 12\r\nName: 张三\r\n\r\n');
  });

  it('refuses CR/LF in a value and a malformed key', () => {
    assert.throws(() => serialize([['Message', 'a\r\nAction: Set']]), /CR\/LF/);
    assert.throws(() => serialize([['Bad Key', 'x']]), /Invalid frame key/);
  });

  it('round-trips through the reader', () => {
    const fields: Array<[string, string]> = [
      ['Action', 'Query'],
      ['Phone', '8001'],
      ['Name', '李四 (VIP)'],
    ];
    assert.deepEqual(read([serialize(fields)]), [fields]);
  });
});
