// The operator console's HTTP side without Asterisk (its links point nowhere): login with the engine's
// accounts (cookie HttpOnly + SameSite=Strict, no password in the log), the failure throttle shared
// with the PMS port, CSRF on every action, grade 2 sees but cannot act, /healthz and /readyz without
// login, and /metrics parsed by a Prometheus text-format parser, holding the commands sent.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { parse as parseYaml } from 'yaml';
import { PmsClient } from '../../src/client/pms-client.js';
import { loadConfig, type Config, type DeepPartial } from '../../src/config/index.js';
import { ConsoleServer } from '../../src/console/server.js';
import { Engine } from '../../src/engine.js';
import { FiasSim } from '../fias/sim.js';
import { within } from '../support/wait.js';
import { captureLog } from './support/capture-log.js';
import { selfSigned } from './support/certs.js';
import { ADMIN, OPERATOR, loginFields, HEARTBEAT } from './support/harness.js';

const T = { timeout: 30_000 };

/** An engine whose PBX and database point nowhere (port 1), with the console on: `values` over that. */
function offlineConfig(values: DeepPartial<Config>): Config {
  return loadConfig({
    env: {},
    values: {
      listen: { host: '127.0.0.1', port: 0 },
      ami: { host: '127.0.0.1', port: 1, username: 'x', password: 'x' },
      ari: { url: 'http://127.0.0.1:1', username: 'x', password: 'x' },
      db: { host: '127.0.0.1', port: 1 },
      hotel: { rooms: '8001-8004' },
      ...values,
      http: { enabled: true, host: '127.0.0.1', port: 0, ...values.http },
    },
  });
}

describe('operator console (HTTP, no PBX)', T, () => {
  let engine: Engine;
  let consoleServer: ConsoleServer;
  let base: string;
  const logs = captureLog('debug');

  before(async () => {
    const config = offlineConfig({
      accounts: [ADMIN, OPERATOR],
      session: { loginFreeFailures: 2, loginDelayMaxMs: 10, lockoutFailures: 4, lockoutSec: 60 },
    });
    engine = new Engine(config, logs.log);
    await engine.start();
    consoleServer = new ConsoleServer(engine, logs.log);
    base = await consoleServer.listen();
  });
  after(async () => {
    await consoleServer?.close();
    await engine?.stop();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  async function loginAs(a: { user: string; password: string }) {
    const r = await post('/api/login', { user: a.user, password: a.password });
    assert.equal(r.status, 200);
    const setCookie = r.headers.get('set-cookie') ?? '';
    const body = (await r.json()) as { user: string; grade: number; csrf: string };
    return { cookie: setCookie.split(';')[0]!, setCookie, ...body };
  }

  it('/healthz answers without login; /readyz says 503 with every link while the PBX is away', async () => {
    const h = await fetch(base + '/healthz');
    assert.equal(h.status, 200);
    assert.equal(((await h.json()) as { status: string }).status, 'ok');
    const r = await fetch(base + '/readyz');
    assert.equal(r.status, 503);
    const body = (await r.json()) as { ready: boolean; links: Record<string, string> };
    assert.equal(body.ready, false);
    assert.deepEqual(Object.keys(body.links).sort(), ['ami', 'ari', 'db']);
    assert.notEqual(body.links.ami, 'ready');
  });

  it('the API needs a login; the session cookie is HttpOnly and SameSite=Strict; no password is logged', async () => {
    assert.equal((await fetch(base + '/api/state')).status, 401);
    assert.equal((await fetch(base + '/api/rooms')).status, 401);
    const a = await loginAs(ADMIN);
    assert.match(a.setCookie, /HttpOnly/i);
    assert.match(a.setCookie, /SameSite=Strict/i);
    const page = await fetch(base + '/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.equal(a.grade, 1);
    const state = await fetch(base + '/api/state', { headers: { cookie: a.cookie } });
    assert.equal(state.status, 200);
    const s = (await state.json()) as { links: Array<{ link: string }>; hotel: { rooms: number } };
    assert.deepEqual(
      s.links.map((l) => l.link),
      ['ami', 'ari', 'db'],
    );
    assert.equal(s.hotel.rooms, 4);
    const me = await fetch(base + '/api/me', { headers: { cookie: a.cookie } });
    assert.equal(((await me.json()) as { user: string }).user, ADMIN.user);
    const text = JSON.stringify(logs.lines);
    assert.ok(!text.includes(ADMIN.password), 'the password is in no log line');
  });

  it('every action needs the CSRF header, then grade 1: a grade 2 account sees but cannot act', async () => {
    const a = await loginAs(ADMIN);
    const noToken = await post('/api/resync', {}, { cookie: a.cookie });
    assert.equal(noToken.status, 403);
    assert.match(((await noToken.json()) as { error: string }).error, /CSRF/);
    const wrong = await post('/api/resync', {}, { cookie: a.cookie, 'x-csrf-token': 'x'.repeat(43) });
    assert.equal(wrong.status, 403);
    const op = await loginAs(OPERATOR);
    assert.equal(op.grade, 2);
    assert.equal((await fetch(base + '/api/state', { headers: { cookie: op.cookie } })).status, 200);
    for (const [path, body] of [
      ['/api/resync', {}],
      ['/api/wakeups', { extension: '8001', time: '07:00' }],
      ['/api/fias/disable', {}],
    ] as const) {
      const r = await post(path, body, { cookie: op.cookie, 'x-csrf-token': op.csrf });
      assert.equal(r.status, 403, path);
      assert.match(((await r.json()) as { error: string }).error, /administrator account \(grade 1\)/);
    }
    const del = await fetch(base + '/api/wakeups/1', {
      method: 'DELETE',
      headers: { cookie: op.cookie, 'x-csrf-token': op.csrf },
    });
    assert.equal(del.status, 403);
    assert.equal((await fetch(base + '/api/cdr.csv', { headers: { cookie: op.cookie } })).status, 403);
    // An admin's token with the operator's cookie is still the operator.
    assert.equal((await post('/api/resync', {}, { cookie: op.cookie, 'x-csrf-token': a.csrf })).status, 403);
  });

  it('bad action input gets a specific error and changes nothing', async () => {
    const a = await loginAs(ADMIN);
    const h = { cookie: a.cookie, 'x-csrf-token': a.csrf };
    const cases: Array<[unknown, RegExp]> = [
      [{ extension: '9999', time: '07:00' }, /not a room/],
      [{ extension: '8001; DROP', time: '07:00' }, /not a room/],
      [{ extension: '8001', time: '7am' }, /HH:MM/],
      [{ extension: '8001', time: '07:00', date: '2026-13-01x' }, /YYYY-MM-DD/],
      [{ extension: '8001', time: '07:00', date: '2000-01-01' }, /in the past/],
    ];
    for (const [body, message] of cases) {
      const r = await post('/api/wakeups', body, h);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(((await r.json()) as { error: string }).error, message);
    }
    // The database is away in this test: a read says so with 503, not a bare 500.
    const rooms = await fetch(base + '/api/rooms', { headers: { cookie: a.cookie } });
    assert.equal(rooms.status, 503);
    assert.match(((await rooms.json()) as { error: string }).error, /^Unavailable: database/);
    const unparsable = await fetch(base + '/api/wakeups', {
      method: 'POST',
      headers: { ...h, 'content-type': 'application/json' },
      body: '{not json',
    });
    assert.equal(unparsable.status, 400);
    const fias = await post('/api/fias/enable', {}, h);
    assert.equal(fias.status, 409);
    assert.match(((await fias.json()) as { error: string }).error, /FIAS is not enabled/);
    const csv = await fetch(base + '/api/cdr.csv?from=yesterday', { headers: { cookie: a.cookie } });
    assert.equal(csv.status, 400);
  });

  it('the live stream needs a login, sends events, and ends at logout', async () => {
    assert.equal((await fetch(base + '/api/events')).status, 401);
    const a = await loginAs(ADMIN);
    const stream = await fetch(base + '/api/events', { headers: { cookie: a.cookie } });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = stream.body!.getReader();
    const received: string[] = [];
    const reading = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        received.push(Buffer.from(value).toString());
      }
    })();
    // A PMS session's connection is pushed to the page.
    const pms = await PmsClient.connect(engine.server.port);
    const deadline = Date.now() + 5_000;
    while (!received.join('').includes('event: session') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await pms.close();
    assert.match(received.join(''), /event: session\ndata: \{"id":"s\d+"/);
    assert.equal((await post('/api/logout', {}, { cookie: a.cookie, 'x-csrf-token': a.csrf })).status, 204);
    await within(reading, 5_000, 'the stream ended at logout');
  });

  it('logout ends the session (with its CSRF header)', async () => {
    const a = await loginAs(ADMIN);
    assert.equal((await post('/api/logout', {}, { cookie: a.cookie })).status, 403);
    assert.equal((await post('/api/logout', {}, { cookie: a.cookie, 'x-csrf-token': a.csrf })).status, 204);
    assert.equal((await fetch(base + '/api/state', { headers: { cookie: a.cookie } })).status, 401);
  });

  it('/metrics parses as Prometheus text and counts the PMS commands sent, by CallMethod and result', async () => {
    const pms = await PmsClient.connect(engine.server.port);
    for (let i = 0; i < 3; i++) await pms.call(HEARTBEAT);
    await pms.call(loginFields(ADMIN.user, 'wrong'));
    await pms.call(loginFields(ADMIN.user, ADMIN.password));
    await pms.close();
    const r = await fetch(base + '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/plain/);
    const text = await r.text();
    const families = parsePrometheusTextFormat(text);
    type Family = (typeof families)[number];
    const family = (n: string): Family => {
      const f = families.find((x) => x.name === n);
      assert.ok(f, `metric ${n}`);
      return f;
    };
    const count = (callMethod: string, result: string): number =>
      Number(
        family('pms_commands_total').metrics.find(
          (m) => m.labels?.call_method === callMethod && m.labels.result === result,
        )?.value ?? 0,
      );
    assert.equal(count('HeartBeat', 'Success'), 3);
    assert.equal(count('Account', 'Error'), 1);
    assert.equal(count('Account', 'Success'), 1);
    // The parser flattens a labelled histogram's buckets into one sample (it keeps no labels there):
    // its type is checked here, its per-CallMethod count in the text itself.
    assert.equal(family('pms_command_duration_seconds').type, 'HISTOGRAM');
    assert.match(text, /^pms_command_duration_seconds_count\{call_method="HeartBeat"\} 3$/m);
    const state = (link: string, s: string) =>
      family('pms_link_state').metrics.find((m) => m.labels?.link === link && m.labels.state === s)?.value;
    assert.equal(state('ami', 'ready'), '0');
    assert.ok(family('pms_sessions'));
    // The shipped Grafana dashboard and scrape config name only what is exported, where it is served.
    const dashboard = readFileSync(new URL('../../ops/grafana-dashboard.json', import.meta.url), 'utf8');
    const used = new Set(
      [...dashboard.matchAll(/\bpms_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, '')),
    );
    assert.ok(used.size >= 6, [...used].join(' '));
    const known = new Set(families.map((f) => f.name));
    known.add('pms_fias_outbox_depth'); // exported with fias.enabled only
    for (const name of used) assert.ok(known.has(name), `the dashboard uses ${name}, which is not exported`);
    const scrape = parseYaml(readFileSync(new URL('../../ops/prometheus.yml', import.meta.url), 'utf8')) as {
      scrape_configs: Array<{ metrics_path: string; static_configs: Array<{ targets: string[] }> }>;
    };
    assert.equal(scrape.scrape_configs[0]!.metrics_path, '/metrics');
    assert.match(scrape.scrape_configs[0]!.static_configs[0]!.targets[0]!, /:8090$/);
    assert.ok(family('pms_wakeup_attempts_total'));
    assert.ok(family('pms_leave_message_pushes_total'));
  });

  it('failed console logins share the PMS port throttle: after lockoutFailures the address gets 429', async () => {
    let last = 0;
    for (let i = 0; i < 4; i++)
      last = (await post('/api/login', { user: ADMIN.user, password: 'nope' })).status;
    assert.equal(last, 401);
    const locked = await post('/api/login', { user: ADMIN.user, password: ADMIN.password });
    assert.equal(locked.status, 429, 'the right password is refused unchecked while locked out');
    assert.match(((await locked.json()) as { error: string }).error, /locked out/);
    // The PMS port sees the same lockout for this address.
    const pms = await PmsClient.connect(engine.server.port).catch(() => undefined);
    const answer = pms
      ? await pms.call(loginFields(ADMIN.user, ADMIN.password)).catch(() => undefined)
      : undefined;
    assert.notEqual(answer?.get('Response'), 'Success');
    await pms?.close().catch(() => undefined);
  });
});

describe('operator console over HTTPS (http.certFile, http.keyFile)', T, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pms-console-tls-'));
  let engine: Engine;
  let web: ConsoleServer;
  let url: string;
  let ca: Buffer;

  before(async () => {
    await selfSigned(dir, 'console', 'localhost');
    ca = readFileSync(join(dir, 'console.crt'));
    const config = offlineConfig({
      accounts: [ADMIN],
      http: { certFile: join(dir, 'console.crt'), keyFile: join(dir, 'console.key') },
    });
    engine = new Engine(config, captureLog().log);
    web = new ConsoleServer(engine, captureLog().log);
    url = await web.listen();
  });
  after(async () => {
    await web?.close();
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One HTTPS request trusting only the test's certificate. */
  const call = (path: string, method = 'GET', body?: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((done, fail) => {
      const req = httpsRequest(
        `${url}${path}`,
        { method, ca, headers: body ? { 'content-type': 'application/json' } : {}, timeout: 5_000 },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        },
      );
      req.on('error', fail);
      req.end(body);
    });

  it('serves HTTPS only, and its session cookie is Secure', async () => {
    assert.match(url, /^https:\/\//);
    assert.equal((await call('/healthz')).status, 200);
    const login = await call(
      '/api/login',
      'POST',
      JSON.stringify({ user: ADMIN.user, password: ADMIN.password }),
    );
    assert.equal(login.status, 200);
    assert.match(String(login.headers['set-cookie']), /; Secure/i);
    await assert.rejects(fetch(url.replace('https:', 'http:') + '/healthz'), 'no plain HTTP on the port');
  });

  it('half a TLS pair, or a file it cannot read, is refused at load', () => {
    const load = (http: Record<string, unknown>) => () =>
      loadConfig({
        env: {},
        values: {
          ami: { username: 'x', password: 'x' },
          ari: { username: 'x', password: 'x' },
          hotel: { rooms: '8001' },
          http: { enabled: true, ...http },
        },
      });
    assert.throws(load({ certFile: join(dir, 'console.crt') }), /give both \(HTTPS\) or neither/);
    assert.throws(
      load({ certFile: join(dir, 'nope.crt'), keyFile: join(dir, 'console.key') }),
      /http.certFile: .* cannot be read \(ENOENT\)/,
    );
  });
});

describe('operator console: the FIAS link commands and its state, against the FIAS simulator', T, () => {
  let sim: FiasSim;
  let engine: Engine;
  let web: ConsoleServer;
  let base: string;

  before(async () => {
    sim = new FiasSim();
    const port = await sim.listen();
    const config = offlineConfig({
      accounts: [ADMIN],
      fias: { enabled: true, host: '127.0.0.1', port, reconnect: { initialDelayMs: 100, maxDelayMs: 500 } },
    });
    engine = new Engine(config, captureLog().log);
    web = new ConsoleServer(engine, captureLog().log);
    await engine.start();
    base = await web.listen();
    await engine.fias!.waitForState('ESTABLISHED', 10_000);
  });
  after(async () => {
    await web?.close();
    await engine?.stop();
    await sim?.close();
  });

  it('state shows the FIAS link; disable, enable and disconnect act on it, each change an event', async () => {
    const r = await fetch(base + '/api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: ADMIN.user, password: ADMIN.password }),
    });
    const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
    const { csrf } = (await r.json()) as { csrf: string };
    const state = async () =>
      (await (await fetch(base + '/api/state', { headers: { cookie } })).json()) as {
        links: Array<{ link: string; state: string }>;
        fias: { state: string } | null;
        events: Array<{ text: string }>;
      };
    const command = async (cmd: string) => {
      const res = await fetch(`${base}/api/fias/${cmd}`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrf },
      });
      assert.equal(res.status, 200, cmd);
      return (await res.json()) as { state: string };
    };
    assert.equal((await state()).fias?.state, 'ESTABLISHED');
    assert.equal((await command('disable')).state !== 'ESTABLISHED', true);
    await engine.fias!.waitForState('DISABLED', 5_000);
    let s = await state();
    assert.equal(s.links.find((l) => l.link === 'fias')?.state, 'DISABLED');
    assert.ok(
      s.events.some((e) => /^FIAS .* → DISABLED/.test(e.text)),
      JSON.stringify(s.events),
    );
    const ready = await fetch(base + '/readyz');
    assert.equal(((await ready.json()) as { links: Record<string, string> }).links.fias, 'DISABLED');
    await command('enable');
    await engine.fias!.waitForState('ESTABLISHED', 10_000);
    await command('disconnect');
    await engine.fias!.waitForState('CLOSED', 5_000);
    s = await state();
    assert.equal(s.fias?.state, 'CLOSED');
    const bad = await fetch(`${base}/api/fias/reboot`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf },
    });
    assert.equal(bad.status, 400);
  });
});
