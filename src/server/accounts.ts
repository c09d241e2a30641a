// PMS/console accounts from configuration. A password is a scrypt hash (src/domain/password-hash.ts)
// or, for older configurations, plaintext. Every check costs one scrypt of the same parameters: a
// wrong password, an unknown user and a plaintext account alike (the latter two run it against a
// decoy), so the time of a reply tells a client nothing about which users exist or how they are stored.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Account } from '../config/index.js';
import {
  DEFAULT_SCRYPT,
  looksHashed,
  parseHash,
  verifyPassword,
  type PasswordHash,
} from '../domain/password-hash.js';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

type Entry = { account: Account; hash: PasswordHash } | { account: Account; plain: Buffer };

export class AccountBook {
  private readonly byUser: Map<string, Entry>;
  private readonly decoy: PasswordHash;

  constructor(accounts: readonly Account[]) {
    this.byUser = new Map(accounts.map((a) => [a.user, entry(a)]));
    // The decoy costs what a real account costs: the parameters of the first hashed account.
    const first = [...this.byUser.values()].find((e) => 'hash' in e);
    const params = first && 'hash' in first ? first.hash : DEFAULT_SCRYPT;
    this.decoy = { ...params, salt: randomBytes(16), hash: randomBytes(32) };
  }

  /** The account when user and password match; undefined otherwise. */
  async verify(user: string, password: string): Promise<Account | undefined> {
    const e = this.byUser.get(user);
    if (e && 'hash' in e) return (await verifyPassword(password, e.hash)) ? e.account : undefined;
    // Unknown user or plaintext account: the same scrypt, against the decoy (it never matches).
    await verifyPassword(password, this.decoy);
    const ok = timingSafeEqual(digest(password), e && 'plain' in e ? e.plain : digest(randomUnguessable));
    return ok && e ? e.account : undefined;
  }
}

const randomUnguessable = randomBytes(32).toString('base64');

function entry(account: Account): Entry {
  if (!looksHashed(account.password)) return { account, plain: digest(account.password) };
  const hash = parseHash(account.password);
  // loadConfig refused a malformed hash already; this guards a caller that skipped it.
  if (typeof hash === 'string') throw new TypeError(`account ${account.user}: ${hash}`);
  return { account, hash };
}
