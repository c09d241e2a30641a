// Live-server fuzz (issue 12): at least 100,000 mutated protocol frames (60% of those sent) over real TCP to a running
// PmsServer (the product's handlers and dispatcher, fake PBX services), on several connections at once;
// a connection the server closes (flood, failed logins) is replaced. After each batch, behind an empty
// line, a marker request (an unknown Action, answered in order like any request: the heartbeat is not,
// it skips the queue) must be answered, or the connection must have been closed by the server; at the
// end a heartbeat on a new connection is still answered. Seeded like the codec fuzz (`FUZZ_SEED`);
// `FUZZ_SERVER_FRAMES=<n>` changes the count (default 100,000).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { FrameParser, serialize, type Frame } from '../../src/protocol/index.js';
import { ADMIN, HEARTBEAT, startHarness, type Harness } from './support/harness.js';
import { fuzzSeed, mutate, MUTATIONS, Rng } from './support/fuzz.js';
import { LOGIN_FAILED } from '../../src/handlers/login.js';

const MAX_FRAME = 2048;
const MAX_DISCARD = 16_384;
const TARGET = Number(process.env.FUZZ_SERVER_FRAMES ?? 100_000);
const CONNECTIONS = 8;
const BATCH = 50;
/** How long a batch's marker may take to be answered (or the connection to be closed). */
const MARKER_DEADLINE_MS = 15_000;

const PHONES = ['8001', '8002', '8003', '8004', '8101', '9999', '', 'x;y'];

/** A request as a PMS would send it, sometimes with wrong or missing fields. */
function request(rng: Rng, seq: string): Array<[string, string]> {
  const head = (action: string, method: string): Array<[string, string]> => [
    ['ServiceType', rng.chance(0.95) ? 'PMS' : 'HIS'],
    ['Action', action],
    ['SeqID', seq],
    ['CallMethod', method],
  ];
  const phone = (): string => rng.pick(PHONES);
  switch (rng.int(0, 11)) {
    case 0:
      return [...head('UserLogin', 'Account'), ['User', ADMIN.user], ['Password', ADMIN.password]];
    case 1:
      return [...head('UserLogin', 'Account'), ['User', 'admin'], ['Password', `bad${rng.int(0, 9)}`]];
    case 2:
      return head('UserLogin', 'HeartBeat');
    case 3:
      return [...head('Set', 'ExtenLimit'), ['Phone', phone()], ['Limit', String(rng.int(0, 6))]];
    case 4:
      return [...head('Set', 'ExtenName'), ['Phone', phone()], ['Name', rng.pick(['张三', 'Bob', ''])]];
    case 5:
      return [...head('Set', 'ExtenDND'), ['Phone', phone()], ['Use', String(rng.int(0, 2))]];
    case 6:
      return [...head('Set', 'CheckIn'), ['Phone', phone()], ['Name', 'Guest'], ['Limit', '2']];
    case 7:
      return [...head('Set', 'ExtenClean'), ['Phone', phone()]];
    case 8:
      return [
        ...head('Set', 'AlarmClock'),
        ['Phone', phone()],
        ['AlarmClock', '07:30**5*1*fpm-world-mix.gsm&'],
      ];
    case 9:
      return [...head('Set', 'ChangeRoom'), ['FromPhone', phone()], ['ToPhone', phone()]];
    case 10:
      return [
        ...head('Query', 'GetCDR'),
        ['StartTime', '2026-01-01 00:00:00'],
        ['EndTime', '2026-01-02 00:00:00'],
        ['PageCnt', '5'],
        ['PageNo', '1'],
      ];
    default:
      return [...head('UserLogout', 'Account'), ['User', 'admin']];
  }
}

interface Figures {
  framesSent: number;
  mutatedSent: number;
  /** Why the server closed a connection, from the last reply before the close. */
  closeReasons: Record<string, number>;
  batches: number;
  connections: number;
  closedByServer: number;
  replies: number;
  errorReplies: number;
  markersAnswered: number;
}

/** One fuzzing connection: the frames it reads back, and a wait for the marker reply or the close. */
class Conn {
  readonly socket: Socket;
  private readonly parser = new FrameParser({ maxFrameBytes: 1 << 24 });
  closed = false;
  /** What would make the server close this connection: a flood reply, failed logins in a row. */
  private sawFlood = false;
  private failedLogins = 0;
  private reachedLoginLimit = false;
  private waiter: { seq: string; done: (answered: boolean) => void } | undefined;

  constructor(port: number, f: Figures) {
    this.socket = connect({ port, host: '127.0.0.1' });
    this.socket.on('error', () => undefined);
    this.socket.on('data', (chunk: Buffer) => {
      for (const r of this.parser.push(chunk)) {
        if (!r.ok) continue;
        f.replies++;
        if (r.frame.get('Response') === 'Error') f.errorReplies++;
        const message = r.frame.get('Message') ?? '';
        if (/Oversized frame never ends/.test(message)) this.sawFlood = true;
        if (r.frame.get('CallMethod') === 'Account' && r.frame.get('Action') === 'UserLogin') {
          if (message === LOGIN_FAILED) {
            if (++this.failedLogins >= 5) this.reachedLoginLimit = true;
          } else if (r.frame.get('Response') === 'Success') this.failedLogins = 0;
        }
        if (this.waiter && isMarkerReply(r.frame, this.waiter.seq)) this.settle(true);
      }
    });
    this.socket.on('close', () => {
      this.closed = true;
      if (this.waiter) {
        const reason = this.sawFlood
          ? 'flood'
          : this.reachedLoginLimit
            ? 'failed logins'
            : `unexpected (${this.failedLogins} failed logins, no flood)`;
        f.closeReasons[reason] = (f.closeReasons[reason] ?? 0) + 1;
      }
      this.settle(false);
    });
  }

  /** Resolves true when the marker `seq` is answered, false when the connection closed first. */
  marker(seq: string, ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`marker ${seq}: neither answered nor closed within ${ms} ms`)),
        ms,
      );
      this.waiter = {
        seq,
        done: (answered) => {
          clearTimeout(timer);
          resolve(answered);
        },
      };
    });
  }

  private settle(answered: boolean): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.done(answered);
  }
}

const MARKER_ACTION = 'FuzzMarker';

function isMarkerReply(frame: Frame, seq: string): boolean {
  return frame.get('SeqID') === seq && frame.get('Action') === MARKER_ACTION;
}

describe('server fuzz: mutated frames over TCP, then a heartbeat is still answered', () => {
  let h: Harness;
  before(async () => {
    // Every fuzz connection comes from 127.0.0.1: the per-address login guard (tested on its own)
    // would lock the address out after a few wrong passwords and end the fuzz early.
    h = await startHarness({
      session: {
        maxFrameBytes: MAX_FRAME,
        maxDiscardBytes: MAX_DISCARD,
        loginFreeFailures: 100,
        loginDelayMaxMs: 0,
        lockoutFailures: 1_000,
      },
    });
  });
  after(() => h.close());

  it(
    `${TARGET} mutated frames on ${CONNECTIONS} connections; every batch's marker answered or the connection closed`,
    { timeout: 300_000 },
    async () => {
      const seed = fuzzSeed();
      console.log(`server fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`);
      const f: Figures = {
        framesSent: 0,
        mutatedSent: 0,
        closeReasons: {},
        batches: 0,
        connections: 0,
        closedByServer: 0,
        replies: 0,
        errorReplies: 0,
        markersAnswered: 0,
      };
      const t0 = Date.now();

      const worker = async (w: number): Promise<void> => {
        const rng = new Rng((seed + w * 0x9e3779b9) >>> 0);
        let conn: Conn | undefined;
        while (f.mutatedSent < TARGET) {
          if (!conn || conn.closed) {
            conn = new Conn(h.port, f);
            f.connections++;
          }
          const batch = f.batches++;
          const parts: Buffer[] = [];
          for (let i = 0; i < BATCH; i++) {
            let bytes = serialize(request(rng, `w${w}-${batch}-${i}`));
            if (rng.chance(0.6)) {
              f.mutatedSent++;
              const kinds = rng.int(1, 3);
              for (let k = 0; k < kinds; k++) {
                // A flood (an oversized frame running past the discard bound) in about 1 batch in 10.
                const huge = rng.chance(0.001) ? MAX_DISCARD + 1024 : rng.int(MAX_FRAME - 32, 3 * MAX_FRAME);
                bytes = mutate(rng, bytes, rng.pick(MUTATIONS), huge, MAX_FRAME);
              }
            }
            parts.push(bytes);
          }
          f.framesSent += BATCH;
          const seq = `marker-w${w}-${batch}`;
          conn.socket.write(
            Buffer.concat([
              ...parts,
              Buffer.from('\r\n\r\n'),
              serialize([
                ['ServiceType', 'PMS'],
                ['Action', MARKER_ACTION],
                ['SeqID', seq],
                ['CallMethod', 'Marker'],
              ]),
            ]),
          );
          if (await conn.marker(seq, MARKER_DEADLINE_MS)) f.markersAnswered++;
          else f.closedByServer++;
        }
        conn?.socket.destroy();
      };
      await Promise.all(Array.from({ length: CONNECTIONS }, (_, w) => worker(w)));

      // The server still serves a newcomer.
      const c = await h.client();
      const hb = await c.call([...HEARTBEAT, ['SeqID', 'after-fuzz']], 5_000);
      const ms = Date.now() - t0;
      console.log(
        `server fuzz: ${f.framesSent} frames sent (${f.mutatedSent} mutated) in ${f.batches} batches over ` +
          `${f.connections} connections (${f.closedByServer} closed by the server: ${JSON.stringify(f.closeReasons)}); ` +
          `${f.replies} replies received (${f.errorReplies} errors), ` +
          `${f.markersAnswered} batch markers answered; ${(ms / 1000).toFixed(1)} s; seed ${seed}`,
      );
      assert.equal(hb.get('Response'), 'Success');
      assert.equal(hb.get('SeqID'), 'after-fuzz');
      assert.ok(f.mutatedSent >= TARGET);
      for (const reason of Object.keys(f.closeReasons))
        assert.ok(reason === 'flood' || reason === 'failed logins', `a connection closed: ${reason}`);
      assert.ok(f.closedByServer > 0, 'no connection was ever closed for flooding or failed logins');
      assert.ok(f.markersAnswered > 0);
    },
  );
});
