// FIAS codec fuzz: at least 200,000 generated records, valid and mutated, in the three code pages,
// through the FiasParser whole, split at random points and (1 batch in 10) byte by byte. Seeded: the
// seed is printed, `FIAS_FUZZ_SEED=<n>` replays a run, `FIAS_FUZZ_RECORDS=<n>` changes the count.
// Properties: the parser never throws; valid records come out exactly as written; for mutated bytes the
// results are well-formed records or error values, the same however the input is chunked, every record
// read can be written back and reads the same (or is refused by the writer with a typed error), and a
// record sent after the garbage (behind an STX) is read (resync).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeRecord,
  FiasFrameError,
  FiasParser,
  OLD_ROOM_SHARE,
  serializeRecord,
  type FiasEncoding,
  type FiasParseResult,
} from '../../src/fias/codec/index.js';
import { fiasRecord, type FiasRecord } from '../../src/fias/record.js';
import { FIAS_MUTATIONS, mutate, validRecord, type FiasMutation } from './support/fias-fuzz.js';
import { chunksFor, feed, fuzzSeed, Rng, type FeedMode } from './support/fuzz.js';

const MAX = 512;
const TARGET = Number(process.env.FIAS_FUZZ_RECORDS ?? 200_000);
const ENCODINGS: readonly FiasEncoding[] = ['latin1', 'cp850', 'utf8'];
const CODES = new Set([
  'noise',
  'unterminated',
  'too-large',
  'bad-record-id',
  'no-separator',
  'bad-field',
  'bad-field-id',
  'duplicate-field',
  'control-char',
  'bad-utf8',
]);
// eslint-disable-next-line no-control-regex
const C0_DEL = /[\x00-\x1f\x7f]/;

const renderRecord = (r: FiasRecord): unknown[] => ['R', r.id, ...r.fields];
const render = (results: FiasParseResult[]): string =>
  JSON.stringify(
    results.map((r) =>
      r.ok ? renderRecord(r.record) : ['E', r.error.code, r.error.message, r.error.recordId, r.error.field],
    ),
  );

function malformed(r: FiasParseResult): string | undefined {
  if (r.ok) {
    if (!/^[A-Z0-9$]{2}$/.test(r.record.id)) return `bad record id ${JSON.stringify(r.record.id)}`;
    for (const [k, v] of r.record.fields) {
      if (k !== OLD_ROOM_SHARE && !/^[\x21-\x7b\x7d\x7e]{2}$/.test(k))
        return `bad field id ${JSON.stringify(k)}`;
      if (C0_DEL.test(v) || v.includes('|')) return `bad data ${JSON.stringify(v)}`;
    }
    return undefined;
  }
  const e = r.error;
  if (!(e instanceof FiasFrameError)) return 'error is not a FiasFrameError';
  if (!CODES.has(e.code) || e.message === '') return `bad error ${e.code}`;
  return undefined;
}

/** A record read from garbage either writes back and reads the same, or is refused by the writer. */
function rewriteProblem(r: FiasRecord, encoding: FiasEncoding): string | undefined {
  let enc;
  try {
    enc = encodeRecord(r, encoding);
  } catch (thrown) {
    return `encodeRecord threw ${String(thrown)}`;
  }
  if (!enc.ok) return undefined;
  const back = new FiasParser({ encoding, maxRecordBytes: enc.bytes.length }).push(enc.bytes);
  if (
    back.length !== 1 ||
    !back[0]!.ok ||
    JSON.stringify(renderRecord(back[0]!.record)) !== JSON.stringify(renderRecord(r))
  )
    return `rewritten record reads differently: ${render(back)} != ${JSON.stringify(renderRecord(r))}`;
  return undefined;
}

interface Figures {
  records: number;
  fed: Record<FeedMode, number>;
  batches: number;
  valid: number;
  mutated: number;
  results: number;
  errorsByCode: Record<string, number>;
  mutations: Partial<Record<FiasMutation, number>>;
  throws: number;
  mismatches: number;
  failures: string[];
}

describe('fias codec fuzz', () => {
  it('never throws; valid records round-trip; mutated input gives records or errors, chunking-invariant, and resyncs', () => {
    const seed = fuzzSeed('FIAS_FUZZ_SEED');
    console.log(`fias codec fuzz seed ${seed} (replay with FIAS_FUZZ_SEED=${seed})`);
    const rng = new Rng(seed);
    const f: Figures = {
      records: 0,
      fed: { whole: 0, split: 0, bytewise: 0 },
      batches: 0,
      valid: 0,
      mutated: 0,
      results: 0,
      errorsByCode: {},
      mutations: {},
      throws: 0,
      mismatches: 0,
      failures: [],
    };
    const fail = (what: string): void => {
      f.mismatches++;
      if (f.failures.length < 5) f.failures.push(what);
    };
    const t0 = process.hrtime.bigint();

    while (f.records < TARGET) {
      const batch = f.batches++;
      const encoding = ENCODINGS[batch % 3]!;
      const options = { encoding, maxRecordBytes: MAX };
      const modes: FeedMode[] = batch % 10 === 0 ? ['whole', 'split', 'bytewise'] : ['whole', 'split'];
      const n = rng.int(1, 8);
      const records: FiasRecord[] = [];
      for (let i = 0; i < n; i++) {
        let r = validRecord(rng, encoding);
        if (serializeRecord(r, encoding).length - 2 > MAX) r = fiasRecord('LA');
        records.push(r);
      }
      f.records += n;
      const input = Buffer.concat(records.map((r) => serializeRecord(r, encoding)));

      if (!rng.chance(0.5)) {
        f.valid += n;
        const want = JSON.stringify(records.map(renderRecord));
        for (const mode of modes) {
          const got = feed(new FiasParser(options), chunksFor(rng, mode, input));
          f.fed[mode] += n;
          if (!Array.isArray(got)) {
            f.throws++;
            fail(`batch ${batch} ${mode} ${encoding}: threw ${String(got.thrown)}`);
          } else if (render(got) !== want)
            fail(`batch ${batch} ${mode} ${encoding}: ${render(got)} != ${want}`);
        }
        continue;
      }

      f.mutated += n;
      let bad: Buffer = input;
      for (let i = rng.int(1, 4); i > 0; i--) {
        const kind = rng.pick(FIAS_MUTATIONS);
        f.mutations[kind] = (f.mutations[kind] ?? 0) + 1;
        bad = mutate(rng, bad, kind, rng.int(MAX - 16, 3 * MAX));
      }
      const sync = fiasRecord('LS', [
        ['DA', '250314'],
        ['TI', String(100000 + (batch % 100000))],
      ]);
      const resync = Buffer.concat([Buffer.from([0x02]), serializeRecord(sync, encoding)]);
      let reference: string | undefined;
      for (const mode of modes) {
        const parser = new FiasParser(options);
        const got = feed(parser, chunksFor(rng, mode, bad));
        f.fed[mode] += n;
        if (!Array.isArray(got)) {
          f.throws++;
          fail(
            `batch ${batch} ${mode} ${encoding}: threw ${String(got.thrown)} on ${bad.toString('base64')}`,
          );
          continue;
        }
        for (const r of got) {
          const why = malformed(r) ?? (r.ok ? rewriteProblem(r.record, encoding) : undefined);
          if (why) fail(`batch ${batch} ${mode} ${encoding}: ${why} on ${bad.toString('base64')}`);
        }
        const rendered = render(got);
        if (reference === undefined) {
          reference = rendered;
          f.results += got.length;
          for (const r of got)
            if (!r.ok) f.errorsByCode[r.error.code] = (f.errorsByCode[r.error.code] ?? 0) + 1;
        } else if (rendered !== reference)
          fail(
            `batch ${batch} ${mode} ${encoding}: chunking changed the results: ${rendered} != ${reference}`,
          );
        const after = feed(parser, chunksFor(rng, mode === 'bytewise' ? 'bytewise' : 'split', resync));
        if (!Array.isArray(after)) {
          f.throws++;
          fail(`batch ${batch} ${mode}: resync threw ${String(after.thrown)}`);
          continue;
        }
        const last = after[after.length - 1];
        if (!last?.ok || JSON.stringify(renderRecord(last.record)) !== JSON.stringify(renderRecord(sync)))
          fail(
            `batch ${batch} ${mode} ${encoding}: no resync, got ${render(after)} after ${bad.toString('base64')}`,
          );
      }
    }

    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(
      `fias codec fuzz: ${f.records} records (${f.valid} valid, ${f.mutated} mutated) in ${f.batches} batches; ` +
        `fed whole ${f.fed.whole}, split ${f.fed.split}, byte by byte ${f.fed.bytewise}; ` +
        `${f.results} results from mutated input; throws ${f.throws}, mismatches ${f.mismatches}; ` +
        `${(ms / 1000).toFixed(1)} s; seed ${seed}`,
    );
    console.log(`errors: ${JSON.stringify(f.errorsByCode)}`);
    console.log(`mutations: ${JSON.stringify(f.mutations)}`);
    assert.equal(f.throws, 0, `seed ${seed}: ${f.failures.join('\n')}`);
    assert.equal(f.mismatches, 0, `seed ${seed}: ${f.failures.join('\n')}`);
    assert.ok(f.records >= TARGET);
  });
});
