// Account passwords as scrypt hashes: the format, verification with the stored parameters, the
// configuration check a technician sees, and the account book's constant cost for unknown users.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SCRYPT,
  hashPassword,
  looksHashed,
  parseHash,
  verifyPassword,
  type PasswordHash,
} from '../../src/domain/password-hash.js';
import { loadConfig, plaintextAccounts } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { AccountBook } from '../../src/server/accounts.js';

const required = {
  PMS_AMI_USERNAME: 'u',
  PMS_AMI_PASSWORD: 'p',
  PMS_ARI_USERNAME: 'u',
  PMS_ARI_PASSWORD: 'p',
  PMS_HOTEL_ROOMS: '8001-8004',
};

const parsed = (s: string): PasswordHash => {
  const h = parseHash(s);
  if (typeof h === 'string') assert.fail(h);
  return h;
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeOf(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

describe('password hashes', { timeout: 60_000 }, () => {
  it('hash → verify round trip; the format names its parameters; fresh salt each time', async () => {
    const a = await hashPassword('Front desk 1!');
    const b = await hashPassword('Front desk 1!');
    assert.match(a, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/);
    assert.notEqual(a, b, 'salted');
    assert.equal(looksHashed(a), true);
    assert.equal(await verifyPassword('Front desk 1!', parsed(a)), true);
    assert.equal(await verifyPassword('front desk 1!', parsed(a)), false);
    assert.equal(await verifyPassword('', parsed(a)), false);
  });

  it('verifies with the parameters stored in the hash, not the defaults', async () => {
    const small = await hashPassword('pw', { N: 1024, r: 4, p: 2 });
    assert.match(small, /^scrypt\$1024\$4\$2\$/);
    assert.equal(await verifyPassword('pw', parsed(small)), true);
    assert.deepEqual(DEFAULT_SCRYPT, { N: 32768, r: 8, p: 1 });
  });

  it('does not block the event loop while it works (asynchronous scrypt)', async () => {
    const h = parsed(await hashPassword('pw'));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await verifyPassword('nope', h);
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 3, `only ${ticks} timer ticks ran during a ~0.1 s scrypt`);
  });

  it('a malformed hash is explained, with what to do, and never repeated', () => {
    const good = 'scrypt$32768$8$1$djDm4+3Kvz2Cxca6ZEIVHA==$tnW88fZbwFKuzmytiPP742jjg6gOsvsjo2CNhHQq3Ls=';
    assert.equal(typeof parseHash(good), 'object');
    const cases: Array<[string, RegExp]> = [
      ['scrypt$32768$8$1$djDm4+3Kvz2Cxca6ZEIVHA==', /6 parts/],
      [good.replace('32768', '30000'), /power of two/],
      [good.replace('32768', '2097152'), /power of two/],
      [good.replace('$8$1$', '$0$1$'), /r must be/],
      [good.replace('$8$1$', '$8$99$'), /p must be/],
      [good.replace('$8$1$', '$32$1$').replace('32768', '1048576'), /256 MiB/],
      [good.replace('djDm4+3Kvz2Cxca6ZEIVHA==', 'not*base64'), /salt/],
      [good.replace(/\$[^$]+$/, '$c2hvcnQ='), /hash is not base64 of 16 to 64 bytes/],
    ];
    for (const [value, why] of cases) {
      const p = parseHash(value);
      assert.equal(typeof p, 'string', value);
      assert.match(p as string, why);
      assert.match(p as string, /pms-engine hash-password/);
    }
  });

  it('the configuration refuses a malformed hash, naming the account, not the value', () => {
    const bad = 'scrypt$32768$8$1$c2FsdHNhbHQ=';
    try {
      loadConfig({
        env: { ...required, PMS_ACCOUNTS: JSON.stringify([{ user: 'fo', password: bad, grade: 1 }]) },
      });
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(
        err.message,
        /accounts \(environment PMS_ACCOUNTS\): account fo: "password" a scrypt hash/,
      );
      assert.doesNotMatch(err.message, /c2FsdHNhbHQ/);
    }
  });

  it('plaintext accounts are listed for the start-up warning; hashed ones are not', async () => {
    const c = loadConfig({
      env: required,
      values: {
        accounts: [
          { user: 'fo', password: await hashPassword('x', { N: 1024, r: 8, p: 1 }), grade: 1 },
          { user: 'op', password: 'plain', grade: 2 },
        ],
      },
    });
    assert.deepEqual(plaintextAccounts(c), ['op']);
  });
});

describe('account book', { timeout: 60_000 }, () => {
  it('logs in a hashed and a plaintext account; refuses wrong passwords and unknown users', async () => {
    const book = new AccountBook([
      { user: 'fo', password: await hashPassword('hashed-pw'), grade: 1 },
      { user: 'op', password: 'plain-pw', grade: 2 },
    ]);
    assert.equal((await book.verify('fo', 'hashed-pw'))?.user, 'fo');
    assert.equal((await book.verify('op', 'plain-pw'))?.grade, 2);
    assert.equal(await book.verify('fo', 'plain-pw'), undefined);
    assert.equal(await book.verify('op', 'hashed-pw'), undefined);
    assert.equal(await book.verify('ghost', 'hashed-pw'), undefined);
  });

  it('an unknown user and a plaintext account cost what a wrong password costs (one scrypt)', async () => {
    const book = new AccountBook([
      { user: 'fo', password: await hashPassword('hashed-pw'), grade: 1 },
      { user: 'op', password: 'plain-pw', grade: 2 },
    ]);
    const wrong: number[] = [];
    const unknown: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < 5; i++) {
      wrong.push(await timeOf(() => book.verify('fo', `guess${i}`)));
      unknown.push(await timeOf(() => book.verify('nobody', `guess${i}`)));
      plain.push(await timeOf(() => book.verify('op', `guess${i}`)));
    }
    // Without the decoy an unknown user would answer in microseconds, ~1000× faster.
    assert.ok(
      median(unknown) > median(wrong) * 0.4,
      `unknown ${median(unknown)} vs wrong ${median(wrong)} ms`,
    );
    assert.ok(median(plain) > median(wrong) * 0.4, `plaintext ${median(plain)} vs wrong ${median(wrong)} ms`);
  });
});
