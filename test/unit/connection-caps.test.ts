// Connection caps (session.maxConnections, session.maxUnauthenticated): 900 idle sockets that never log
// in keep at most maxUnauthenticated sessions open, each refused one is told why and closed at once,
// the refusals are logged once per burst; a full server takes a client again once one leaves.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { PmsClient } from '../../src/client/pms-client.js';
import { ADMIN, HEARTBEAT, loginFields, startHarness, type Harness } from './support/harness.js';
import { captureLog, type CapturedLog } from './support/capture-log.js';
import { within } from '../support/wait.js';
import { replyOrClosed } from './support/reply-or-closed.js';

describe('connection caps: 900 idle sockets', { timeout: 120_000 }, () => {
  let h: Harness;
  let cap: CapturedLog;
  const sockets: Socket[] = [];
  before(async () => {
    cap = captureLog();
    // The defaults: 256 connections, 32 not logged in.
    h = await startHarness({}, [], undefined, cap.log);
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await h.close();
  });

  it('at most maxUnauthenticated (32) stay open; the other 868 get an error frame and are closed at once', async () => {
    assert.equal(h.config.session.maxUnauthenticated, 32);
    assert.equal(h.config.session.maxConnections, 256);
    let closed = 0;
    let told = 0;
    let allRefused!: () => void;
    const done = new Promise<void>((resolve) => (allRefused = resolve));
    const opened: Array<Promise<unknown>> = [];
    for (let i = 0; i < 900; i++) {
      const s = connect({ port: h.port, host: '127.0.0.1' });
      sockets.push(s);
      s.on('error', () => undefined);
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString()));
      s.on('close', () => {
        if (
          /Response: Error\r\n.*Message: Too many connections: at most 32 connections may wait to log in/s.test(
            got,
          )
        )
          told++;
        if (++closed === 900 - 32) allRefused();
      });
      opened.push(once(s, 'connect'));
    }
    await within(Promise.all(opened), 30_000, '900 connects');
    await within(done, 30_000, '868 connections to be closed by the server');
    assert.equal(told, 868, 'each refused connection was told why');
    assert.equal(h.server.unauthenticated, 32);
    assert.equal(sockets.filter((s) => !s.destroyed).length, 32);
    // One warning for the burst, not 868 lines.
    assert.equal(cap.withMsg('connection refused: too many connections').length, 1);
    assert.equal(cap.withMsg('client connected').length, 32);
  });

  it('the 32 held sockets are still sessions: they may log in, which frees a slot', async () => {
    const held = sockets.filter((s) => !s.destroyed);
    const s = held[0]!;
    const c = PmsClient.over(s);
    assert.equal((await c.call(loginFields(ADMIN.user, ADMIN.password))).get('Response'), 'Success');
    assert.equal(h.server.unauthenticated, 31);
    const next = await PmsClient.connect(h.port);
    sockets.push(next.socket);
    assert.equal((await next.call(HEARTBEAT)).get('Response'), 'Success', 'the freed slot is taken');
  });
});

describe('connection caps: maxConnections', { timeout: 60_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ session: { maxConnections: 5, maxUnauthenticated: 5 } });
  });
  after(() => h.close());

  it('logged-in sessions count too: the 6th connection is refused, and accepted again once one leaves', async () => {
    const clients = await Promise.all(Array.from({ length: 5 }, () => h.loggedIn()));
    const sixth = await PmsClient.connect(h.port);
    const refusal = await within(
      new Promise<string>((resolve) =>
        sixth.once('stray', (f) => resolve(typeof f === 'string' ? f : (f.get('Message') ?? ''))),
      ),
      5_000,
      'the refusal frame',
    );
    assert.match(
      refusal,
      /^Too many connections: the engine takes at most 5 connections \(session.maxConnections\)/,
    );
    await within(sixth.closed, 5_000, 'the refused connection to close');
    await clients[0]!.close();
    // The server forgets the session when its socket closes, just after ours: retry until taken.
    const deadline = Date.now() + 5_000;
    for (;;) {
      const c = await h.client();
      const r = await within(replyOrClosed(c, HEARTBEAT), 5_000, 'a heartbeat reply or the close');
      if (r) {
        assert.equal(r.get('Response'), 'Success');
        break;
      }
      assert.ok(Date.now() < deadline, 'a slot never freed after a client left');
    }
    for (const c of clients.slice(1)) c.socket.destroy();
  });
});

describe('connection caps: a refused connection', { timeout: 30_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ session: { maxConnections: 1 } });
  });
  after(() => h.close());

  it('regression: a refused connection does not linger on the server (it held server.close until its timer)', async () => {
    const inside = await h.loggedIn();
    const refused = await PmsClient.connect(h.port);
    // It sends a request the server never reads, as a PMS logging in would.
    const r = await replyOrClosed(refused, loginFields(ADMIN.user, ADMIN.password));
    assert.equal(r, undefined, 'refused, not answered');
    inside.socket.destroy();
    const t0 = performance.now();
    await h.server.close(3_000);
    const ms = performance.now() - t0;
    assert.ok(ms < 500, `server.close took ${ms.toFixed(0)} ms: a connection was still open`);
  });
});
