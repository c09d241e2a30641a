// Login guessing across connections: the per-address throttle and lockout (src/server/login-guard.ts),
// first as logic over a fake clock, then over real TCP: 12 reconnects × 5 wrong passwords, a second
// source address on loopback (127.0.0.2) that is not affected, and heartbeats and other sessions
// answered while a failed login's reply is held back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame } from '../../src/protocol/index.js';
import { PmsClient } from '../../src/client/pms-client.js';
import { FIRST_DELAY_MS, LoginGuard, normalizeAddress } from '../../src/server/login-guard.js';
import { ADMIN, HEARTBEAT, loginFields, startHarness, type Harness } from './support/harness.js';
import { captureLog, type CapturedLog } from './support/capture-log.js';
import { within } from '../support/wait.js';
import { replyOrClosed } from './support/reply-or-closed.js';

const OPTS = { loginFreeFailures: 3, loginDelayMaxMs: 8_000, lockoutFailures: 10, lockoutSec: 300 };

function guardAt(opts = OPTS, maxAddresses?: number) {
  let t = 1_000_000;
  const cap = captureLog();
  const guard = new LoginGuard(opts, cap.log, () => t, maxAddresses);
  return { guard, cap, advance: (ms: number) => (t += ms) };
}

describe('login guard (logic)', () => {
  it('free failures, then a doubling delay up to the cap, then a lockout, logged with remote, failures, lockoutSec', () => {
    const { guard, cap } = guardAt();
    const delays = Array.from({ length: 9 }, () => guard.failed('10.0.0.9').delayMs);
    assert.deepEqual(delays, [0, 0, 0, 500, 1000, 2000, 4000, 8000, 8000]);
    assert.equal(FIRST_DELAY_MS, 500);
    assert.equal(guard.lockedFor('10.0.0.9'), 0);
    assert.deepEqual(guard.failed('10.0.0.9'), { delayMs: 0, lockedOut: true });
    assert.equal(guard.lockedFor('10.0.0.9'), 300);
    assert.equal(guard.lockedFor('10.0.0.8'), 0, 'another address is not locked');
    const [line, ...more] = cap.withMsg('login lockout');
    assert.equal(more.length, 0);
    assert.deepEqual(
      [line?.level, line?.remote, line?.failures, line?.lockoutSec],
      [40, '10.0.0.9', 10, 300],
    );
  });

  it('a lockout is not extended by attempts during it; its end is logged and the count starts again', () => {
    const { guard, cap, advance } = guardAt({ ...OPTS, lockoutFailures: 2, loginFreeFailures: 0 });
    guard.failed('10.0.0.1');
    assert.equal(guard.failed('10.0.0.1').lockedOut, true);
    advance(200_000);
    assert.deepEqual(guard.failed('10.0.0.1'), { delayMs: 0, lockedOut: false });
    assert.equal(guard.lockedFor('10.0.0.1'), 100);
    advance(99_999);
    assert.equal(guard.lockedFor('10.0.0.1'), 1);
    assert.equal(cap.withMsg('login lockout ended').length, 0);
    advance(1);
    guard.sweep();
    assert.equal(guard.lockedFor('10.0.0.1'), 0);
    assert.deepEqual(
      cap.withMsg('login lockout ended').map((l) => l.remote),
      ['10.0.0.1'],
    );
    assert.equal(guard.failed('10.0.0.1').delayMs, FIRST_DELAY_MS, 'a first failure again');
  });

  it('a success clears the address; failures are forgotten after lockoutSec without one', () => {
    const { guard, advance } = guardAt({ ...OPTS, loginFreeFailures: 1 });
    guard.failed('10.0.0.2');
    assert.equal(guard.failed('10.0.0.2').delayMs, 500);
    guard.succeeded('10.0.0.2');
    assert.equal(guard.failed('10.0.0.2').delayMs, 0, 'count reset by the success');
    advance(299_000);
    assert.equal(guard.failed('10.0.0.2').delayMs, 500, 'still remembered within the window');
    advance(300_000);
    assert.equal(guard.failed('10.0.0.2').delayMs, 0, 'forgotten after the window');
  });

  it('IPv4-mapped IPv6 and IPv4 are one address', () => {
    assert.equal(normalizeAddress('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(normalizeAddress('::FFFF:192.0.2.7'), '192.0.2.7');
    assert.equal(normalizeAddress('2001:db8::1'), '2001:db8::1');
    const { guard } = guardAt({ ...OPTS, lockoutFailures: 2 });
    guard.failed('::ffff:192.0.2.7');
    assert.equal(guard.failed('192.0.2.7').lockedOut, true);
    assert.ok(guard.lockedFor('::ffff:192.0.2.7') > 0);
  });

  it('memory is bounded: at most maxAddresses entries, the least recently failed forgotten first', () => {
    const { guard, advance } = guardAt({ ...OPTS, loginFreeFailures: 1 }, 100);
    for (let i = 0; i < 150; i++) {
      guard.failed(`10.1.${i >> 8}.${i & 255}`);
      advance(1);
    }
    assert.equal(guard.size, 100);
    assert.equal(guard.failed('10.1.0.0').delayMs, 0, 'the oldest was evicted: a first failure');
    assert.equal(guard.failed('10.1.0.149').delayMs, 500, 'a recent one is remembered');
    advance(301_000);
    guard.sweep();
    assert.equal(guard.size, 0, 'entries expire');
  });
});

/** One login attempt on `c`: the reply and its latency, or 'closed' when the server closed the link. */
async function attempt(c: PmsClient, password: string): Promise<{ frame?: Frame; ms: number }> {
  const t0 = performance.now();
  const frame = await within(
    replyOrClosed(c, loginFields(ADMIN.user, password)),
    15_000,
    'a login reply or the close',
  );
  return { frame, ms: performance.now() - t0 };
}

/** Connects from `local`, collecting the frames that answer nothing (a refusal at connect). */
async function connectFrom(port: number, local: string): Promise<{ c: PmsClient; strays: Frame[] }> {
  const c = await PmsClient.connect(port, '127.0.0.1', 5_000, local);
  const strays: Frame[] = [];
  c.on('stray', (f) => {
    if (typeof f !== 'string') strays.push(f);
  });
  return { c, strays };
}

describe('login guard over TCP', { timeout: 120_000 }, () => {
  let h: Harness;
  let cap: CapturedLog;
  before(async () => {
    cap = captureLog();
    h = await startHarness(
      { session: { loginFreeFailures: 2, loginDelayMaxMs: 1_000, lockoutFailures: 8, lockoutSec: 60 } },
      [],
      undefined,
      cap.log,
    );
  });
  after(() => h.close());

  it('12 reconnects × 5 wrong passwords: slowed after 2, locked out at 8, the right password refused while locked, 127.0.0.2 unaffected', async () => {
    // Opened before the lockout, never failed: its login attempt comes after.
    const bystander = await connectFrom(h.port, '127.0.0.1');
    const wrong: number[] = [];
    const lockRefusals: string[] = [];
    let refusedAtConnect = 0;
    for (let conn = 0; conn < 12; conn++) {
      const { c, strays } = await connectFrom(h.port, '127.0.0.1');
      for (let i = 0; i < 5; i++) {
        const r = await attempt(c, `guess-${conn}-${i}`);
        if (!r.frame) break;
        assert.equal(r.frame.get('Response'), 'Error');
        const msg = r.frame.get('Message')!;
        if (msg === 'User Login failed, Password Wrong !') wrong.push(r.ms);
        else lockRefusals.push(msg);
      }
      await within(c.closed, 5_000, 'the server to close the connection');
      if (strays.some((f) => /locked/.test(f.get('Message') ?? ''))) refusedAtConnect++;
    }
    assert.equal(wrong.length, 8, 'exactly lockoutFailures passwords were checked');
    assert.ok(wrong[0]! < 400 && wrong[1]! < 400, `free failures answered at once: ${wrong}`);
    assert.ok(wrong[2]! >= 450, `3rd failure delayed ~500 ms: ${wrong}`);
    for (const ms of wrong.slice(3, 7)) assert.ok(ms >= 950, `then ~1000 ms (the cap): ${wrong}`);
    assert.ok(wrong[7]! < 400, `the failure that locks is not delayed: ${wrong}`);
    // Connection 1 had five failures, connection 2 three (the 8th locked it); 3 to 12 were closed at once.
    assert.equal(refusedAtConnect, 10);
    assert.deepEqual(lockRefusals, [], 'nothing was checked on a refused connection');

    const right = await attempt(bystander.c, ADMIN.password);
    assert.equal(right.frame?.get('Response'), 'Error');
    assert.match(right.frame?.get('Message') ?? '', /^User Login locked: .*try again in \d+ s$/);
    await within(bystander.c.closed, 5_000, 'the locked-out session to close');

    const other = await connectFrom(h.port, '127.0.0.2');
    const ok = await attempt(other.c, ADMIN.password);
    assert.equal(ok.frame?.get('Response'), 'Success', 'another source address logs in');
    other.c.socket.destroy();

    const [lockout, ...moreLockouts] = cap.withMsg('login lockout');
    assert.equal(moreLockouts.length, 0);
    assert.deepEqual([lockout?.remote, lockout?.failures, lockout?.lockoutSec], ['127.0.0.1', 8, 60]);
    // Ten refused connections, one line (the rest are summed up later): no log flood.
    assert.equal(cap.withMsg('connection refused: address locked out').length, 1);
  });

  it('a 10,000-character user name or action reaches the log cut to a few dozen characters', async () => {
    const { c } = await connectFrom(h.port, '127.0.0.7');
    const long = 'u'.repeat(10_000);
    assert.equal((await c.call(loginFields(long, 'x'))).get('Response'), 'Error');
    assert.equal(
      (
        await c.call([
          ['Action', `A${long}`],
          ['CallMethod', 'X'],
        ])
      ).get('Response'),
      'Error',
    );
    c.socket.destroy();
    const failed = cap.withMsg('login failed').find((l) => String(l.user).startsWith('uuu'));
    assert.ok(failed, 'the failed login was logged');
    assert.ok(String(failed.user).length < 100, `user logged as ${String(failed.user).length} chars`);
    assert.match(String(failed.user), /\(10000 chars\)$/);
    const refused = cap.withMsg('request refused').find((l) => String(l.action).startsWith('Auuu'));
    assert.ok(refused, 'the unknown action was logged');
    assert.ok(JSON.stringify(refused).length < 1_000, `line of ${JSON.stringify(refused).length} chars`);
  });
});

describe('a delayed failed login holds back only its own reply', { timeout: 60_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      session: { loginFreeFailures: 1, loginDelayMaxMs: 2_000, lockoutFailures: 100, lockoutSec: 60 },
    });
  });
  after(() => h.close());

  it('a heartbeat on the same session and a login from another session are answered during the delay', async () => {
    const { c } = await connectFrom(h.port, '127.0.0.3');
    assert.ok((await attempt(c, 'nope-1')).ms < 400, 'the free failure');
    const t0 = performance.now();
    const delayed = c
      .call(loginFields(ADMIN.user, 'nope-2'))
      .then((f) => ({ f, ms: performance.now() - t0 }));
    const beat = await c.call(HEARTBEAT);
    const beatMs = performance.now() - t0;
    const other = await connectFrom(h.port, '127.0.0.4');
    const otherLogin = await attempt(other.c, ADMIN.password);
    const otherMs = performance.now() - t0;
    const failed = await delayed;
    assert.equal(beat.get('Response'), 'Success');
    assert.equal(otherLogin.frame?.get('Response'), 'Success');
    assert.equal(failed.f.get('Message'), 'User Login failed, Password Wrong !');
    assert.ok(failed.ms >= 450, `the failed reply waited ~500 ms: ${failed.ms}`);
    assert.ok(
      beatMs < failed.ms && otherMs < failed.ms,
      `heartbeat ${beatMs}, other ${otherMs}, failed ${failed.ms}`,
    );
    other.c.socket.destroy();
    c.socket.destroy();
  });

  it('a successful login resets the address: its next failure is free again', async () => {
    // Without the success, the second failure is delayed:
    const control = await connectFrom(h.port, '127.0.0.6');
    assert.ok((await attempt(control.c, 'y1')).ms < 400);
    assert.ok((await attempt(control.c, 'y2')).ms >= 450);
    control.c.socket.destroy();
    const { c } = await connectFrom(h.port, '127.0.0.5');
    assert.ok((await attempt(c, 'x1')).ms < 400);
    assert.equal((await attempt(c, ADMIN.password)).frame?.get('Response'), 'Success');
    const again = await connectFrom(h.port, '127.0.0.5');
    const r = await attempt(again.c, 'x2');
    assert.equal(r.frame?.get('Message'), 'User Login failed, Password Wrong !');
    assert.ok(r.ms < 400, `not delayed after the reset: ${r.ms} ms`);
    c.socket.destroy();
    again.c.socket.destroy();
  });
});
