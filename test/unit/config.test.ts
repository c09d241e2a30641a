import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { KEYS, loadConfig, usesDefaultAdmin } from '../../src/config/index.js';

const required = {
  PMS_AMI_USERNAME: 'u',
  PMS_AMI_PASSWORD: 'p',
  PMS_ARI_USERNAME: 'u',
  PMS_ARI_PASSWORD: 'p',
  PMS_HOTEL_ROOMS: '8001-8004',
};

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

function file(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pms-config-'));
  const path = join(dir, 'engine.json');
  writeFileSync(path, content);
  return path;
}

describe('config', () => {
  it('defaults: listens on 0.0.0.0:5078, idle 60 s, 64 KiB frames, admin/admin (flagged)', () => {
    const c = loadConfig({ env: required });
    assert.equal(c.listen.host, '0.0.0.0');
    assert.equal(c.listen.port, 5078);
    assert.equal(c.session.idleTimeoutSec, 60);
    assert.equal(c.session.maxFrameBytes, 65536);
    assert.equal(c.ami.port, 5038);
    assert.equal(usesDefaultAdmin(c), true);
  });

  it('file, then environment, then given values, in that order of precedence', () => {
    const path = file(JSON.stringify({ listen: { port: 6000 }, ami: { host: 'pbx.hotel', port: 5039 } }));
    const c = loadConfig({
      file: path,
      env: { ...required, PMS_AMI_PORT: '5040' },
      values: { ami: { host: 'x' } },
    });
    assert.equal(c.listen.port, 6000);
    assert.equal(c.ami.port, 5040);
    assert.equal(c.ami.host, 'x');
  });

  it('PMS_CONFIG names the file', () => {
    const path = file(JSON.stringify({ session: { idleTimeoutSec: 0 } }));
    assert.equal(loadConfig({ env: { ...required, PMS_CONFIG: path } }).session.idleTimeoutSec, 0);
  });

  it('accounts from JSON in the environment; no default admin then', () => {
    const c = loadConfig({
      env: {
        ...required,
        PMS_ACCOUNTS: '[{"user":"fo","password":"pw","grade":1},{"user":"op","password":"x","grade":2}]',
      },
    });
    assert.deepEqual(
      c.accounts.map((a) => a.grade),
      [1, 2],
    );
    assert.equal(usesDefaultAdmin(c), false);
  });

  it('reports every problem at once, naming the key, where it came from and what to do', () => {
    const path = file(JSON.stringify({ listen: { prot: 1 }, session: { idleTimeoutSec: -5 } }));
    const p = problems(() =>
      loadConfig({
        file: path,
        env: {
          PMS_LISTEN_PORT: '70000',
          PMS_LOG_LEVEL: 'loud',
          PMS_ACCOUNTS: '[{"user":"a","password":"b","grade":3}]',
        },
      }),
    );
    const text = p.join('\n');
    assert.match(text, /unknown key "listen\.prot"/);
    assert.match(
      text,
      /session\.idleTimeoutSec \(.*engine\.json: session\.idleTimeoutSec\): must be at least 0, got -5/,
    );
    assert.match(text, /listen\.port \(environment PMS_LISTEN_PORT\): must be at most 65535, got 70000/);
    assert.match(text, /log\.level .*must be one of/);
    assert.match(text, /"grade" must be 1 \(administrator\) or 2 \(operator\)/);
    assert.match(text, /ami\.username \(default\): must not be empty/);
    assert.match(text, /ari\.password \(default\): must not be empty/);
  });

  it('a broken file is named with the parser message', () => {
    const p = problems(() => loadConfig({ file: file('{ listen: '), env: required }));
    assert.match(p[0]!, /is not valid JSON/);
    const missing = problems(() => loadConfig({ file: '/nonexistent/engine.json', env: required }));
    assert.match(missing[0]!, /cannot be read/);
  });

  it('a number in the environment must be a whole number', () => {
    const p = problems(() => loadConfig({ env: { ...required, PMS_IDLE_TIMEOUT_SEC: '1m' } }));
    assert.match(p[0]!, /must be a whole number, got "1m"/);
  });

  it('hotel rooms, time zone and numbering: lists from the environment, checks that say what to fix', () => {
    const c = loadConfig({
      env: {
        ...required,
        PMS_HOTEL_TIMEZONE: 'Asia/Shanghai',
        PMS_NUMBERING_ENTERPRISE_PREFIXES: '7, 66',
        PMS_NUMBERING_LOCAL_AREA_CODE: '0512',
      },
    });
    assert.equal(c.hotel.rooms, '8001-8004');
    assert.equal(c.hotel.timeZone, 'Asia/Shanghai');
    assert.deepEqual(c.numbering.enterprisePrefixes, ['7', '66']);
    assert.deepEqual(c.numbering.emergencyNumbers, ['110', '112', '119', '120', '122']);
    assert.equal(c.numbering.outsideCode, '9');
    const p = problems(() =>
      loadConfig({
        env: {
          ...required,
          PMS_HOTEL_ROOMS: '8001-80x4',
          PMS_HOTEL_TIMEZONE: 'Mars/Olympus',
          PMS_NUMBERING_OUTSIDE_CODE: '9#',
          PMS_NUMBERING_ENTERPRISE_PREFIXES: '7,a',
        },
      }),
    ).join('\n');
    assert.match(p, /hotel\.rooms .*"8001-80x4" is not an extension or a range like 8001-8099/);
    assert.match(p, /hotel\.timeZone .*not an IANA time zone/);
    assert.match(p, /numbering\.outsideCode .*1 to 4 digits/);
    assert.match(p, /numbering\.enterprisePrefixes .*comma-separated list of digit strings/);
    const none = problems(() => loadConfig({ env: { ...required, PMS_HOTEL_ROOMS: '' } })).join('\n');
    assert.match(none, /hotel\.rooms \(default\): must list the room extensions/);
  });

  it('every key has an environment variable and a doc line, and the names are unique', () => {
    assert.equal(new Set(KEYS.map((k) => k.env)).size, KEYS.length);
    for (const k of KEYS) assert.ok(k.doc.length > 10 && /^PMS_[A-Z_]+$/.test(k.env), k.path);
  });
});
