// PMS/console accounts from configuration. Passwords are compared in constant time, and an unknown
// user costs the same as a wrong password, so a client learns nothing about which users exist.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Account } from '../config/index.js';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class AccountBook {
  private readonly byUser: Map<string, { account: Account; hash: Buffer }>;
  private readonly decoy = digest('decoy-password-never-matches');

  constructor(accounts: readonly Account[]) {
    this.byUser = new Map(accounts.map((a) => [a.user, { account: a, hash: digest(a.password) }]));
  }

  /** The account when user and password match; undefined otherwise. */
  verify(user: string, password: string): Account | undefined {
    const entry = this.byUser.get(user);
    const ok = timingSafeEqual(digest(password), entry?.hash ?? this.decoy);
    return ok && entry ? entry.account : undefined;
  }
}
