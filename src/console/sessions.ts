// Console logins: an unguessable session id in an HttpOnly, SameSite=Strict cookie, and a CSRF token
// the page sends back in a header on every action. Kept in memory only (an engine restart logs every
// operator out); at most MAX_SESSIONS, the oldest dropped first; each ends after http.sessionHours.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Account } from '../config/index.js';

export const COOKIE = 'pms_console';
export const CSRF_HEADER = 'x-csrf-token';
const MAX_SESSIONS = 500;

export interface ConsoleSession {
  readonly id: string;
  readonly user: string;
  readonly grade: 1 | 2;
  readonly csrf: string;
  readonly expiresAt: number;
}

const token = (): string => randomBytes(32).toString('base64url');

export class ConsoleSessions {
  private readonly byId = new Map<string, ConsoleSession>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  open(account: Account): ConsoleSession {
    const s = {
      id: token(),
      user: account.user,
      grade: account.grade,
      csrf: token(),
      expiresAt: this.now() + this.ttlMs,
    };
    this.byId.set(s.id, s);
    while (this.byId.size > MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value!);
    return s;
  }

  /** The live session of a cookie value; undefined when unknown or expired (then forgotten). */
  get(id: string | undefined): ConsoleSession | undefined {
    if (!id) return undefined;
    const s = this.byId.get(id);
    if (s && s.expiresAt <= this.now()) {
      this.byId.delete(id);
      return undefined;
    }
    return s;
  }

  close(id: string): void {
    this.byId.delete(id);
  }

  get size(): number {
    return this.byId.size;
  }
}

/** The header's token equals the session's, compared in constant time. */
export function csrfMatches(session: ConsoleSession, header: unknown): boolean {
  if (typeof header !== 'string' || header.length !== session.csrf.length) return false;
  return timingSafeEqual(Buffer.from(header), Buffer.from(session.csrf));
}
