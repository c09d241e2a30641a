// The FIAS configuration keys (src/config/fias-keys.ts): defaults, floors, and the refusals a
// technician reads at start (an enabled link without its address, a bad code page or class map).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { loadConfig, parseClassMap, parseExpiresAt } from '../../src/config/index.js';

const required = {
  PMS_AMI_USERNAME: 'u',
  PMS_AMI_PASSWORD: 'p',
  PMS_ARI_USERNAME: 'u',
  PMS_ARI_PASSWORD: 'p',
  PMS_HOTEL_ROOMS: '8001-8004',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ env: { ...required, ...env } });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('fias config', () => {
  it('defaults: off, latin1, alive check every 300 s answered in 3 s, CS 0:1,1:3,2:4,3:5, 3 wake-up calls', () => {
    const c = loadConfig({ env: required });
    assert.equal(c.fias.enabled, false);
    assert.equal(c.fias.encoding, 'latin1');
    assert.equal(c.fias.keepaliveSec, 300);
    assert.equal(c.fias.ackTimeoutSec, 3);
    assert.equal(c.fias.initTimeoutSec, 30);
    assert.equal(c.fias.postingAckTimeoutSec, 30);
    assert.equal(c.fias.wakeupAttempts, 3);
    assert.equal(c.fias.expiresAt, '');
    assert.deepEqual(parseClassMap(c.fias.classMap), { '0': 1, '1': 3, '2': 4, '3': 5 });
    assert.equal(c.fias.version, '0.1.0', 'the package version');
  });

  it('reads every key from its PMS_FIAS_* variable', () => {
    const c = loadConfig({
      env: {
        ...required,
        PMS_FIAS_ENABLED: 'yes',
        PMS_FIAS_HOST: '10.0.0.5',
        PMS_FIAS_PORT: '5010',
        PMS_FIAS_ENCODING: 'cp850',
        PMS_FIAS_KEEPALIVE_SEC: '600',
        PMS_FIAS_EXPIRES_AT: '2027-03-31',
        PMS_FIAS_CLASS_MAP: '0:1,1:2,2:3,3:5',
        PMS_FIAS_VERSION: '2.0-hotel',
      },
    });
    assert.deepEqual(
      [c.fias.enabled, c.fias.host, c.fias.port, c.fias.encoding, c.fias.keepaliveSec, c.fias.version],
      [true, '10.0.0.5', 5010, 'cp850', 600, '2.0-hotel'],
    );
    assert.equal(parseExpiresAt(c.fias.expiresAt)?.toISOString(), '2027-03-31T00:00:00.000Z');
  });

  it('an enabled link needs its host and port, named in words', () => {
    const p = problems({ PMS_FIAS_ENABLED: 'true' });
    assert.ok(
      p.some((x) => /^fias\.host: required when fias\.enabled/.test(x)),
      p.join('\n'),
    );
    assert.ok(
      p.some((x) => /^fias\.port: required when fias\.enabled/.test(x)),
      p.join('\n'),
    );
    assert.doesNotThrow(() => loadConfig({ env: required }), 'disabled: no address needed');
  });

  it('refuses a keepalive under the 300 s floor, a short posting wait, an unknown code page', () => {
    const p = problems({
      PMS_FIAS_KEEPALIVE_SEC: '60',
      PMS_FIAS_POSTING_ACK_TIMEOUT_SEC: '10',
      PMS_FIAS_ENCODING: 'cp1252',
    });
    assert.ok(
      p.some((x) => x.includes('fias.keepaliveSec') && x.includes('at least 300')),
      p.join('\n'),
    );
    assert.ok(p.some((x) => x.includes('fias.postingAckTimeoutSec') && x.includes('at least 30')));
    assert.ok(p.some((x) => x.includes('fias.encoding') && x.includes('latin1, cp850, utf8')));
  });

  it('refuses a bad class map, contract date, version or backoff', () => {
    const p = problems({
      PMS_FIAS_CLASS_MAP: '0:1,1:3,2:9',
      PMS_FIAS_EXPIRES_AT: '31/03/2027',
      PMS_FIAS_VERSION: 'a|b',
      PMS_FIAS_RECONNECT_INITIAL_MS: '5000',
      PMS_FIAS_RECONNECT_MAX_MS: '1000',
    });
    assert.ok(
      p.some((x) => x.includes('fias.classMap') && x.includes('"2:9"')),
      p.join('\n'),
    );
    assert.ok(p.some((x) => x.includes('fias.expiresAt') && x.includes('ISO date')));
    assert.ok(p.some((x) => x.includes('fias.version')));
    assert.ok(p.some((x) => x.startsWith('fias.reconnect.maxDelayMs')));
    assert.equal(parseClassMap('0:1,1:3,2:4'), 'CS 3 has no class');
    assert.equal(parseClassMap('0:1,0:2,2:4,3:5'), 'CS 0 is mapped twice');
  });
});
