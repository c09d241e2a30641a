// Failed logins counted per source address, across connections (the per-connection limit alone let a
// guesser reconnect forever). After `freeFailures` failures each further failed reply is delayed,
// doubling up to `delayMaxMs`; at `lockoutFailures` the address is locked out for `lockoutSec`: its
// logins are refused unchecked and its new connections closed. A success clears the address.
// Pure logic over an injectable clock; the session applies the delay, the server closes connections.
import type { Logger } from 'pino';

export interface LoginGuardOptions {
  /** Failures answered at once before replies start to be delayed. */
  loginFreeFailures: number;
  /** Cap of the growing delay of a failed login's reply. */
  loginDelayMaxMs: number;
  /** Failures (within `lockoutSec` of each other) that lock the address out. */
  lockoutFailures: number;
  /** How long a lockout lasts; also how long a failure is remembered. */
  lockoutSec: number;
}

/** The first delayed reply waits this long; each next one twice as long, up to loginDelayMaxMs. */
export const FIRST_DELAY_MS = 500;
/** Addresses remembered at most; the least recently failed is forgotten first. */
export const MAX_ADDRESSES = 10_000;

interface Entry {
  failures: number;
  /** Epoch ms; 0 when not locked. */
  lockedUntil: number;
  /** Epoch ms after which the entry is forgotten. */
  expires: number;
}

/** What a failed login costs the client. */
export interface FailureOutcome {
  /** Delay before its reply. */
  delayMs: number;
  /** This failure locked the address out. */
  lockedOut: boolean;
}

export class LoginGuard {
  // Insertion order is the order of the last failure, so the oldest entries are at the front.
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly opts: LoginGuardOptions,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly maxAddresses = MAX_ADDRESSES,
  ) {}

  /** Seconds until the address may try again, or 0 when it is not locked out. */
  lockedFor(address: string): number {
    this.sweep();
    const e = this.entries.get(normalizeAddress(address));
    if (!e || e.lockedUntil === 0) return 0;
    return Math.max(1, Math.ceil((e.lockedUntil - this.now()) / 1000));
  }

  /** Records a failed login from `address`. */
  failed(address: string): FailureOutcome {
    const ip = normalizeAddress(address);
    this.sweep();
    const now = this.now();
    const e = this.entries.get(ip) ?? { failures: 0, lockedUntil: 0, expires: 0 };
    // A failure already in flight when the lockout began (several connections guessing at once)
    // neither extends nor restarts it.
    if (e.lockedUntil) return { delayMs: 0, lockedOut: false };
    e.failures++;
    e.expires = now + this.opts.lockoutSec * 1000;
    this.entries.delete(ip);
    this.entries.set(ip, e);
    while (this.entries.size > this.maxAddresses) this.entries.delete(this.entries.keys().next().value!);
    if (e.failures >= this.opts.lockoutFailures) {
      e.lockedUntil = e.expires;
      this.log.warn({ remote: ip, failures: e.failures, lockoutSec: this.opts.lockoutSec }, 'login lockout');
      return { delayMs: 0, lockedOut: true };
    }
    return { delayMs: this.delayFor(e.failures), lockedOut: false };
  }

  /** A successful login: the address starts again from zero. */
  succeeded(address: string): void {
    this.entries.delete(normalizeAddress(address));
  }

  /** Addresses remembered (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  private delayFor(failures: number): number {
    const over = failures - this.opts.loginFreeFailures;
    if (over <= 0 || this.opts.loginDelayMaxMs === 0) return 0;
    return Math.min(this.opts.loginDelayMaxMs, FIRST_DELAY_MS * 2 ** Math.min(over - 1, 30));
  }

  /**
   * Forgets expired entries, oldest first, and logs the end of each lockout among them. Runs on every
   * call; the server also calls it on a timer so that the end of a lockout is logged when it happens.
   */
  sweep(): void {
    const now = this.now();
    for (const [ip, e] of this.entries) {
      if (e.expires > now) break;
      this.entries.delete(ip);
      if (e.lockedUntil)
        this.log.info({ remote: ip, lockoutSec: this.opts.lockoutSec }, 'login lockout ended');
    }
  }
}

/** One key per host: `::ffff:10.0.0.5` (IPv4 on a dual-stack socket) is `10.0.0.5`. */
export function normalizeAddress(address: string): string {
  const a = address.toLowerCase();
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
