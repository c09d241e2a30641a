// AriHttp and createAriRest against a real local HTTP server that plays Asterisk's HTTP side: it
// stalls, resets, answers 503/404/409, closes idle keep-alive sockets, and records what it received.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, test } from 'node:test';
import { pino } from 'pino';
import { AriHttp, AriHttpError, type AriHttpOptions } from '../../src/pbx/ari/http.js';
import { createAriRest } from '../../src/pbx/ari/rest-http.js';
import { waitFor } from '../support/wait.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

/** Every test's deadline, unless it needs longer. */
const T = { timeout: 5000 };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server on 127.0.0.1:0 that records requests and counts connections (total, open, peak). */
async function serve(handler: Handler, tune?: (server: http.Server) => void) {
  const seen: Seen[] = [];
  const counts = { connections: 0, open: 0, peak: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, seen.length);
    });
  });
  server.on('connection', (socket: Socket) => {
    counts.connections += 1;
    counts.peak = Math.max(counts.peak, ++counts.open);
    socket.on('close', () => (counts.open -= 1));
  });
  tune?.(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, counts, server };
}

function json(res: http.ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) res.writeHead(status).end();
  else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const logs: Record<string, unknown>[] = [];
const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });

function client(url: string, options: Partial<AriHttpOptions> = {}): AriHttp {
  const ari = new AriHttp(
    { url, username: 'pms', password: 's3cret', requestTimeoutMs: 2000, retryDelayMs: 10, ...options },
    log,
  );
  cleanups.push(() => ari.destroy());
  return ari;
}

async function failure(promise: Promise<unknown>): Promise<AriHttpError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof AriHttpError, `expected an AriHttpError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to reject');
}

test('stalled server: rejects at the deadline and frees the pool slot', T, async () => {
  const srv = await serve((req, res) => {
    if (req.url === '/ari/stall') return; // accepted, never answered
    if (req.url === '/ari/half') return void res.writeHead(200).write('{"id":'); // body never ends
    json(res, 200, { ok: true });
  });
  const ari = client(srv.url, { maxSockets: 1, requestTimeoutMs: 300, retries: 0 });
  for (const path of ['/stall', '/half']) {
    const started = Date.now();
    const err = await failure(ari.request('GET', path));
    const elapsed = Date.now() - started;
    assert.equal(err.code, 'timeout');
    assert.equal(err.transient, true);
    // The margin absorbs a loaded CI machine; the bug guarded against is a request that never settles.
    assert.ok(elapsed >= 280 && elapsed < 300 + 1000, `rejected after ${elapsed} ms`);
    // maxSockets is 1: this only succeeds if the timed-out request gave its socket back.
    assert.deepEqual(await ari.request('GET', '/ok'), { ok: true });
  }
  assert.equal(ari.stats().failures, 2);
});

test('connection reset: retried, succeeds on the second answer', T, async () => {
  const srv = await serve((req, res, n) => (n === 1 ? req.socket.destroy() : json(res, 200, { id: 'c1' })));
  const ari = client(srv.url);
  logs.length = 0;
  assert.deepEqual(await ari.request('GET', '/channels/c1'), { id: 'c1' });
  assert.equal(srv.seen.length, 2);
  assert.deepEqual(ari.stats().retries, 1);
  assert.equal(ari.stats().failures, 0);
  const retried = logs.find((line) => line.msg === 'ARI request retried');
  assert.ok(retried, 'a warn line for the retry');
  assert.equal(retried.level, 40);
  assert.deepEqual([retried.method, retried.path, retried.try], ['GET', '/channels/c1', 2]);
});

test('503 then 200 is retried; 404, 409, 401 and bad JSON reject at once', T, async () => {
  let overloaded = true;
  const srv = await serve((req, res) => {
    if (req.url === '/ari/busy') {
      json(res, overloaded ? 503 : 200, overloaded ? { message: 'Busy' } : { ok: true });
      overloaded = false;
    } else if (req.url === '/ari/channels/gone') json(res, 404, { message: 'Channel not found' });
    else if (req.url === '/ari/channels?channelId=dup') json(res, 409, { message: 'Channel exists' });
    else if (req.url === '/ari/secret') res.writeHead(401).end('Unauthorized');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('<html>');
  });
  const ari = client(srv.url);
  assert.deepEqual(await ari.request('GET', '/busy'), { ok: true });
  assert.equal(ari.stats().retries, 1);

  const cases = [
    { method: 'GET', path: '/channels/gone', status: 404, code: 'http', ariMessage: 'Channel not found' },
    {
      method: 'POST',
      path: '/channels?channelId=dup',
      status: 409,
      code: 'http',
      ariMessage: 'Channel exists',
    },
    { method: 'GET', path: '/secret', status: 401, code: 'http', ariMessage: undefined },
    { method: 'GET', path: '/html', status: 200, code: 'bad-response', ariMessage: undefined },
  ] as const;
  for (const c of cases) {
    const before = srv.seen.length;
    const err = await failure(ari.request(c.method, c.path));
    assert.deepEqual(
      [err.status, err.code, err.ariMessage, err.transient, err.method, err.path],
      [c.status, c.code, c.ariMessage, false, c.method, c.path],
    );
    assert.equal(srv.seen.length, before + 1, `${c.path} sent once`);
  }
  assert.equal(ari.stats().retries, 1);
  assert.equal(ari.stats().failures, cases.length);
});

test('keep-alive: 50 sequential requests share one or two connections', T, async () => {
  const srv = await serve((_req, res, n) => json(res, 200, { n }));
  const ari = client(srv.url);
  for (let i = 1; i <= 50; i += 1) assert.deepEqual(await ari.request('GET', '/asterisk/info'), { n: i });
  assert.ok(srv.counts.connections <= 2, `${srv.counts.connections} connections`);
  assert.equal(ari.stats().freeSockets, 1);
});

test('40 concurrent requests never open more than maxSockets connections', T, async () => {
  const srv = await serve((_req, res, n) => setTimeout(() => json(res, 200, { n }), 100));
  const ari = client(srv.url, { maxSockets: 8 });
  const answers = await Promise.all(
    Array.from({ length: 40 }, () => ari.request<{ n: number }>('GET', '/x')),
  );
  assert.equal(new Set(answers.map((a) => a.n)).size, 40);
  assert.ok(srv.counts.peak <= 8, `server saw ${srv.counts.peak} connections at once`);
  assert.ok(ari.stats().peakSockets <= 8);
  assert.equal(ari.stats().retries, 0);
});

test('idle sockets close before the server does: no retry needed', { timeout: 8000 }, async () => {
  // Asterisk closes an idle session after session_keep_alive and sends no Keep-Alive hint. Node's
  // server.keepAliveTimeout would add 1 s and advertise a hint that Node's agent obeys, so the
  // server's idle timeout is set on the socket instead, without a hint.
  let lastSocket: Socket | undefined;
  const srv = await serve(
    (_req, res) => json(res, 200, { ok: true }),
    (server) => {
      server.keepAliveTimeout = 0;
      server.timeout = 1000;
      server.on('connection', (socket: Socket) => (lastSocket = socket));
    },
  );
  const ari = client(srv.url, { idleSocketMs: 500 });
  for (let i = 0; i < 3; i += 1) {
    const started = Date.now();
    assert.deepEqual(await ari.request('GET', '/ping'), { ok: true });
    assert.ok(lastSocket);
    await waitFor(lastSocket, 'close', 1500);
    const idle = Date.now() - started;
    // The server closes 1000 ms after its answer, which came after `started`: under 1000, it was us.
    assert.ok(idle < 1000, `the client closed its idle socket after ${idle} ms, before the server`);
    await new Promise((resolve) => setTimeout(resolve, 1200 - idle)); // the spacing under test
  }
  assert.equal(srv.counts.connections, 3);
  assert.deepEqual([ari.stats().retries, ari.stats().failures], [0, 0]);
});

test('destroy(): in flight, queued and later requests reject, no retry', T, async () => {
  const srv = await serve(() => undefined);
  let arrived = 0;
  srv.server.on('request', () => (arrived += 1));
  const ari = client(srv.url, { maxSockets: 1 });
  const pending = ['/a', '/b', '/c'].map((path) => failure(ari.request('GET', path))); // one sent, two queued
  await waitFor(srv.server, 'request', 1000);
  ari.destroy();
  for (const err of await Promise.all(pending))
    assert.deepEqual([err.code, err.transient], ['refused', false]);
  assert.equal((await failure(ari.request('GET', '/x'))).code, 'refused');
  assert.deepEqual([arrived, ari.stats().retries], [1, 0]);
});

test('createAriRest: originate, hangup and play send the right method, path, query, body', T, async () => {
  const srv = await serve((req, res) => {
    if (req.method === 'DELETE') json(res, 204);
    else if (req.url?.includes('/play')) json(res, 201, { id: 'pb-1', state: 'queued' });
    else json(res, 200, { id: 'pms-wakeup-101', state: 'Down' });
  });
  const rest = createAriRest(client(srv.url));

  const channel = await rest.channels.originate({
    endpoint: 'PJSIP/101',
    app: 'pms-engine',
    appArgs: 'wakeup',
    callerId: '"Wake-up" <100>',
    timeout: 30,
    channelId: 'pms-wakeup-101',
    variables: { PMS_ROOM: '101' },
  });
  assert.equal(channel.id, 'pms-wakeup-101');
  await rest.channels.hangup({ channelId: 'pms-wakeup-101', reason: 'normal' });
  const playback = await rest.channels.play({
    channelId: 'a/b',
    media: ['sound:wake-up', 'sound:goodbye'],
    lang: 'en',
    playbackId: 'pb-1',
  });
  assert.equal(playback.id, 'pb-1');

  const [originate, hangup, play] = srv.seen;
  assert.ok(originate && hangup && play);
  assert.equal(originate.method, 'POST');
  assert.equal(
    originate.url,
    '/ari/channels?endpoint=PJSIP%2F101&app=pms-engine&appArgs=wakeup' +
      '&callerId=%22Wake-up%22%20%3C100%3E&timeout=30&channelId=pms-wakeup-101',
  );
  assert.deepEqual(JSON.parse(originate.body), { variables: { PMS_ROOM: '101' } });
  assert.equal(originate.headers['content-type'], 'application/json');
  assert.equal(originate.headers.authorization, `Basic ${Buffer.from('pms:s3cret').toString('base64')}`);
  assert.deepEqual(
    [hangup.method, hangup.url, hangup.body],
    ['DELETE', '/ari/channels/pms-wakeup-101?reason=normal', ''],
  );
  assert.equal(play.method, 'POST');
  assert.equal(
    play.url,
    '/ari/channels/a%2Fb/play?media=sound%3Awake-up%2Csound%3Agoodbye&lang=en&playbackId=pb-1',
  );
});

test(
  'regression: a request given up on is reset, so a frozen Asterisk cannot carry it out when it thaws',
  T,
  async () => {
    const srv = await serve(() => undefined); // takes every request, answers none
    const closed = new Promise<string>((resolve) =>
      srv.server.once('connection', (socket: Socket) => {
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        socket.on('end', () => resolve('end'));
      }),
    );
    const ari = client(srv.url, { requestTimeoutMs: 200, retries: 0 });
    const err = await failure(ari.request('POST', '/channels'));
    assert.equal(err.code, 'timeout');
    // A graceful close would be a FIN ('end') after the request's bytes; a reset discards them.
    assert.equal(await closed, 'ECONNRESET');
  },
);
