// Codec fuzz (issue 12): at least a million generated and mutated frames through the FrameParser, fed
// whole, split at random points and (1 batch in 20) byte by byte. Seeded: the seed is printed, and
// `FUZZ_SEED=<n>` replays a run; `FUZZ_FRAMES=<n>` changes the count (default 1,000,000).
// Properties: the parser never throws; a valid frame comes out exactly as written (strict writer and
// lenient renderings); for mutated bytes the results are well-formed frames or error values, the same
// whatever the chunking, and a valid frame sent after an empty line is read again (resync) unless the
// input was a flood, after which the parser reads nothing (the session closes).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameError, FrameParser, serialize, type ParseResult } from '../../src/protocol/index.js';
import {
  chunksFor,
  feed,
  fuzzSeed,
  lenientBytes,
  mutate,
  MUTATIONS,
  Rng,
  validFrame,
  type FeedMode,
  type MutationKind,
} from './support/fuzz.js';

const MAX_FRAME = 4096;
const MAX_DISCARD = 32_768;
const OPTIONS = { maxFrameBytes: MAX_FRAME, maxDiscardBytes: MAX_DISCARD };
const TARGET = Number(process.env.FUZZ_FRAMES ?? 1_000_000);
const CODES = new Set([
  'too-large',
  'flood',
  'no-colon',
  'empty-key',
  'duplicate-key',
  'control-char',
  'bad-utf8',
]);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/** A comparable rendering of results: frames as their entries, errors as code, message and fields. */
function render(results: ParseResult[]): string {
  return JSON.stringify(
    results.map((r) => (r.ok ? ['F', ...r.frame] : ['E', r.error.code, r.error.message, ...r.error.fields])),
  );
}

/** Why a result is not well formed, or undefined. */
function malformed(r: ParseResult): string | undefined {
  if (r.ok) {
    if (!(r.frame instanceof Map) || r.frame.size === 0) return 'empty frame handed out';
    for (const [k, v] of r.frame) {
      if (k === '' || k !== k.trim() || k.includes(':') || CONTROL.test(k))
        return `bad key ${JSON.stringify(k)}`;
      if (v !== v.trim() || CONTROL.test(v)) return `bad value ${JSON.stringify(v)}`;
    }
    return undefined;
  }
  const e = r.error;
  if (!(e instanceof FrameError)) return 'error is not a FrameError';
  if (!CODES.has(e.code) || typeof e.message !== 'string' || e.message === '') return `bad error ${e.code}`;
  if (e.fatal !== (e.code === 'flood')) return `fatal ${e.fatal} on ${e.code}`;
  if (!(e.fields instanceof Map)) return 'error fields not a Map';
  return undefined;
}

interface Figures {
  /** Distinct frames generated (each is fed in two or three modes). */
  generated: number;
  fed: Record<FeedMode, number>;
  batches: number;
  validBatches: number;
  mutatedBatches: number;
  mutations: Partial<Record<MutationKind, number>>;
  resyncChecks: number;
  floods: number;
  throws: number;
  mismatches: number;
  failures: string[];
}

function fail(f: Figures, what: string): void {
  f.mismatches++;
  if (f.failures.length < 5) f.failures.push(what);
}

describe('codec fuzz: a million frames, whole, split and byte by byte', () => {
  it('never throws; valid frames round-trip; mutated input gives frames or errors and resyncs', () => {
    const seed = fuzzSeed();
    console.log(`codec fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`);
    const rng = new Rng(seed);
    const f: Figures = {
      generated: 0,
      fed: { whole: 0, split: 0, bytewise: 0 },
      batches: 0,
      validBatches: 0,
      mutatedBatches: 0,
      mutations: {},
      resyncChecks: 0,
      floods: 0,
      throws: 0,
      mismatches: 0,
      failures: [],
    };
    const total = (): number => f.fed.whole + f.fed.split + f.fed.bytewise;
    const t0 = process.hrtime.bigint();

    // TARGET distinct frames, each through the parser whole and split (one batch in 20 also byte by
    // byte): the feeds are about twice as many.
    while (f.generated < TARGET) {
      const batch = f.batches++;
      const modes: FeedMode[] = batch % 20 === 0 ? ['whole', 'split', 'bytewise'] : ['whole', 'split'];
      const frames: Array<Array<[string, string]>> = [];
      const parts: Buffer[] = [];
      const n = rng.int(1, 6);
      f.generated += n;
      for (let i = 0; i < n; i++) {
        let fr = validFrame(rng, rng.chance(0.1));
        let bytes = serialize(fr);
        if (bytes.length > MAX_FRAME) bytes = serialize((fr = validFrame(rng, false)));
        frames.push(fr);
        // Strict writer, or a lenient rendering of the same fields (the reader accepts both). Padding
        // makes a lenient rendering longer: one that no longer fits is sent as the strict writer's.
        const lenient = rng.chance(0.7) ? undefined : lenientBytes(rng, fr);
        parts.push(lenient !== undefined && lenient.length <= MAX_FRAME ? lenient : bytes);
        if (rng.chance(0.1)) parts.push(Buffer.from(rng.pick(['\r\n', '\n', '\r\n\r\n', ' \r\n'])));
      }
      const input = Buffer.concat(parts);
      const mutated = rng.chance(0.45);

      if (!mutated) {
        f.validBatches++;
        const expected = JSON.stringify(frames.map((fr) => ['F', ...fr]));
        for (const mode of modes) {
          const got = feed(new FrameParser(OPTIONS), chunksFor(rng, mode, input));
          f.fed[mode] += n;
          if (!Array.isArray(got)) {
            f.throws++;
            fail(f, `batch ${batch} ${mode}: threw ${String(got.thrown)}`);
          } else if (render(got) !== expected) {
            fail(f, `batch ${batch} ${mode}: ${render(got)} != ${expected}`);
          }
        }
        continue;
      }

      f.mutatedBatches++;
      let bad: Buffer = input;
      const kinds = rng.int(1, 4);
      for (let i = 0; i < kinds; i++) {
        const kind = rng.pick(MUTATIONS);
        f.mutations[kind] = (f.mutations[kind] ?? 0) + 1;
        const huge = rng.int(MAX_FRAME - 64, rng.chance(0.2) ? MAX_DISCARD + 4096 : 3 * MAX_FRAME);
        bad = mutate(rng, bad, kind, huge, MAX_FRAME);
      }
      const sync: Array<[string, string]> = [
        ['Action', 'UserLogin'],
        ['SeqID', `sync-${batch}`],
        ['CallMethod', 'HeartBeat'],
      ];
      // An empty line ends whatever the garbage left open (an unfinished line, frame or oversized frame).
      const resync = Buffer.concat([Buffer.from('\r\n\r\n'), serialize(sync)]);
      let reference: string | undefined;
      for (const mode of modes) {
        const parser = new FrameParser(OPTIONS);
        const got = feed(parser, chunksFor(rng, mode, bad));
        f.fed[mode] += n;
        if (!Array.isArray(got)) {
          f.throws++;
          fail(f, `batch ${batch} ${mode}: threw ${String(got.thrown)} on ${bad.toString('base64')}`);
          continue;
        }
        for (const r of got) {
          const why = malformed(r);
          if (why) fail(f, `batch ${batch} ${mode}: ${why}`);
        }
        const rendered = render(got);
        if (reference === undefined) reference = rendered;
        else if (rendered !== reference)
          fail(f, `batch ${batch} ${mode}: chunking changed the results: ${rendered} != ${reference}`);

        const after = feed(parser, chunksFor(rng, mode === 'bytewise' ? 'bytewise' : 'split', resync));
        f.resyncChecks++;
        if (!Array.isArray(after)) {
          f.throws++;
          fail(f, `batch ${batch} ${mode}: resync threw ${String(after.thrown)}`);
          continue;
        }
        const flooded = [...got, ...after].some((r) => !r.ok && r.error.code === 'flood');
        if (flooded) {
          if (mode === 'whole') f.floods++;
          const floodAt = after.findIndex((r) => !r.ok && r.error.code === 'flood');
          if (floodAt !== -1 && floodAt !== after.length - 1)
            fail(f, `batch ${batch} ${mode}: results after a flood`);
          if (floodAt === -1 && after.length !== 0) fail(f, `batch ${batch} ${mode}: read on after a flood`);
        } else {
          const last = after[after.length - 1];
          if (!last?.ok || render([last]) !== JSON.stringify([['F', ...sync]]))
            fail(
              f,
              `batch ${batch} ${mode}: no resync, got ${render(after)} after ${bad.toString('base64')}`,
            );
        }
      }
    }

    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(
      `codec fuzz: ${f.generated} frames generated, ${total()} feeds (whole ${f.fed.whole}, split ${f.fed.split}, byte by byte ` +
        `${f.fed.bytewise}) in ${f.batches} batches (${f.validBatches} valid, ${f.mutatedBatches} mutated); ` +
        `resync checks ${f.resyncChecks}, floods ${f.floods}; throws ${f.throws}, mismatches ${f.mismatches}; ` +
        `${(ms / 1000).toFixed(1)} s; seed ${seed}`,
    );
    console.log(`mutations: ${JSON.stringify(f.mutations)}`);
    assert.equal(f.throws, 0, `seed ${seed}: ${f.failures.join('\n')}`);
    assert.equal(f.mismatches, 0, `seed ${seed}: ${f.failures.join('\n')}`);
    assert.ok(f.generated >= TARGET);
  });
});
