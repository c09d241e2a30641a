// The optional TLS listener (tls.*): a real TLS login and heartbeat on a self-signed certificate made
// by openssl (on Debian; if it is missing these tests fail, they do not skip), client certificates
// when required, and the errors a technician gets for missing or unusable files.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { PmsClient } from '../../src/client/pms-client.js';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { ADMIN, HEARTBEAT, loginFields, startHarness, type Harness } from './support/harness.js';
import { within } from '../support/wait.js';
import { replyOrClosed } from './support/reply-or-closed.js';
import { selfSigned } from './support/certs.js';

const dir = mkdtempSync(join(tmpdir(), 'pms-tls-'));
const path = (name: string): string => join(dir, name);

const required = {
  PMS_AMI_USERNAME: 'u',
  PMS_AMI_PASSWORD: 'p',
  PMS_ARI_USERNAME: 'u',
  PMS_ARI_PASSWORD: 'p',
  PMS_HOTEL_ROOMS: '8001-8004',
};

/** A TLS connection that trusts our server certificate; resolves after the handshake. */
async function connectTls(port: number, extra: ConnectionOptions = {}): Promise<TLSSocket> {
  const socket = tlsConnect({ port, host: '127.0.0.1', ca: readFileSync(path('server.crt')), ...extra });
  socket.on('error', () => undefined);
  await within(once(socket, 'secureConnect'), 5_000, 'the TLS handshake');
  return socket;
}

before(async () => {
  await selfSigned(dir, 'server', 'localhost');
  await selfSigned(dir, 'client', 'front-desk-pms');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('TLS listener', { timeout: 60_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      tls: {
        enabled: true,
        host: '127.0.0.1',
        port: 0,
        certFile: path('server.crt'),
        keyFile: path('server.key'),
      },
    });
  });
  after(() => h.close());

  it('a PMS logs in and gets its heartbeat answered over TLS, on its own port; the plain port still works', async () => {
    assert.ok(h.server.tlsPort > 0 && h.server.tlsPort !== h.port);
    const socket = await connectTls(h.server.tlsPort);
    assert.equal(socket.authorized, true, String(socket.authorizationError));
    assert.match(socket.getProtocol() ?? '', /^TLSv1\.[23]$/);
    const c = PmsClient.over(socket);
    const r = await c.call(loginFields(ADMIN.user, ADMIN.password));
    assert.equal(r.get('Response'), 'Success');
    assert.equal(r.get('Grade'), '1');
    assert.equal((await c.call(HEARTBEAT)).get('Response'), 'Success');
    assert.equal(h.server.clients, 1);
    socket.destroy();
    const plain = await h.client();
    assert.equal((await plain.call(HEARTBEAT)).get('Response'), 'Success');
  });

  it('plaintext sent to the TLS port gets no PMS reply', async () => {
    const c = await PmsClient.connect(h.server.tlsPort);
    const got = await within(
      replyOrClosed(c, HEARTBEAT, 3_000).then((f) => (f ? 'a reply' : 'closed')),
      5_000,
      'the TLS port to refuse plaintext',
    );
    assert.equal(got, 'closed');
  });
});

describe('TLS with client certificates', { timeout: 60_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      tls: {
        enabled: true,
        host: '127.0.0.1',
        port: 0,
        certFile: path('server.crt'),
        keyFile: path('server.key'),
        caFile: path('client.crt'),
        requireClientCert: true,
      },
    });
  });
  after(() => h.close());

  it('a client with a certificate signed by tls.caFile logs in; one without never gets a session', async () => {
    const withCert = await connectTls(h.server.tlsPort, {
      cert: readFileSync(path('client.crt')),
      key: readFileSync(path('client.key')),
    });
    const c = PmsClient.over(withCert);
    assert.equal((await c.call(loginFields(ADMIN.user, ADMIN.password))).get('Response'), 'Success');
    withCert.destroy();

    // TLS 1.3 finishes the client's side of the handshake before the server checks its certificate:
    // the refusal shows as the connection closing instead of any reply.
    const socket = tlsConnect({
      port: h.server.tlsPort,
      host: '127.0.0.1',
      ca: readFileSync(path('server.crt')),
    });
    socket.on('error', () => undefined);
    const without = PmsClient.over(socket);
    const got = await within(
      replyOrClosed(without, HEARTBEAT, 5_000).then((f) => (f ? 'a reply' : 'closed')),
      8_000,
      'the refusal',
    );
    assert.equal(got, 'closed');
  });
});

describe('TLS configuration errors a technician can act on', { timeout: 60_000 }, () => {
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig({ env: { ...required, ...env } });
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.problems;
    }
    return [];
  };

  it('enabled without files, a file that cannot be read, client certificates without a CA', () => {
    assert.deepEqual(problemsOf({ PMS_TLS_ENABLED: 'true' }), [
      'tls.certFile: required when tls.enabled is true (a PEM certificate)',
      'tls.keyFile: required when tls.enabled is true (a PEM private key)',
    ]);
    const missing = problemsOf({
      PMS_TLS_ENABLED: 'true',
      PMS_TLS_CERT_FILE: path('nope.crt'),
      PMS_TLS_KEY_FILE: path('server.key'),
    });
    assert.equal(missing.length, 1);
    assert.match(missing[0]!, /^tls.certFile: .*nope.crt cannot be read \(ENOENT\); check the path/);
    assert.deepEqual(
      problemsOf({
        PMS_TLS_ENABLED: 'true',
        PMS_TLS_CERT_FILE: path('server.crt'),
        PMS_TLS_KEY_FILE: path('server.key'),
        PMS_TLS_REQUIRE_CLIENT_CERT: 'true',
      }),
      ['tls.caFile: required when tls.requireClientCert is true'],
    );
    assert.deepEqual(problemsOf({ PMS_TLS_CERT_FILE: path('nope.crt') }), [], 'not checked while TLS is off');
    assert.deepEqual(
      problemsOf({
        PMS_TLS_ENABLED: 'true',
        PMS_TLS_CERT_FILE: path('server.crt'),
        PMS_TLS_KEY_FILE: path('server.key'),
        PMS_TLS_PORT: '5078',
      }),
      ['tls.port and listen.port: must be two different ports'],
    );
  });

  it('a file that is not PEM, or a key of another certificate, stops the start with a ConfigError', async () => {
    writeFileSync(path('garbage.crt'), 'not a certificate\n');
    for (const [certFile, keyFile] of [
      [path('garbage.crt'), path('server.key')],
      [path('server.crt'), path('client.key')],
    ] as const) {
      await assert.rejects(
        startHarness({ tls: { enabled: true, host: '127.0.0.1', port: 0, certFile, keyFile } }),
        (err: Error) =>
          err instanceof ConfigError && /not a usable PEM certificate and matching key/.test(err.message),
      );
    }
  });
});
