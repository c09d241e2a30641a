// Console login and the checks every API route runs: a live session (401 otherwise), the CSRF header
// on every request that changes something (403), grade 1 for actions (403). The login takes the
// engine's accounts and the PMS port's failure throttle (the same LoginGuard: failures from one
// address count across both), and never logs or returns a password.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AccountBook } from '../server/accounts.js';
import { normalizeAddress, type LoginGuard } from '../server/login-guard.js';
import { COOKIE, CSRF_HEADER, csrfMatches, type ConsoleSession, type ConsoleSessions } from './sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession?: ConsoleSession;
  }
}

const MAX_FIELD = 256;

export interface AuthDeps {
  accounts: AccountBook;
  guard: LoginGuard;
  sessions: ConsoleSessions;
  secureCookie: boolean;
  ttlMs: number;
  log: Logger;
}

export function cookieOptions(d: Pick<AuthDeps, 'secureCookie'>, maxAgeSec?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: d.secureCookie,
    ...(maxAgeSec === undefined ? {} : { maxAge: maxAgeSec }),
  };
}

/** POST /api/login {user, password}: 200 with the CSRF token, 401, or 429 while the address is locked out. */
export async function login(d: AuthDeps, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const { user, password } = body;
  if (typeof user !== 'string' || typeof password !== 'string' || !user || user.length > MAX_FIELD)
    return reply.code(400).send({ error: 'user and password are required (strings)' });
  if (password.length > MAX_FIELD) return reply.code(400).send({ error: 'password too long' });
  const address = normalizeAddress(req.ip);
  const locked = d.guard.lockedFor(address);
  if (locked > 0) {
    reply.header('retry-after', String(locked));
    return reply
      .code(429)
      .send({ error: `Too many failed logins from this address: locked out for ${locked} s` });
  }
  const account = await d.accounts.verify(user, password);
  if (!account) {
    const outcome = d.guard.failed(address);
    d.log.warn({ user: user.slice(0, 64), remote: address }, 'console login failed');
    if (outcome.delayMs > 0) await new Promise((r) => setTimeout(r, outcome.delayMs));
    return reply.code(401).send({
      error: outcome.lockedOut
        ? 'Wrong user or password; this address is now locked out'
        : 'Wrong user or password',
    });
  }
  d.guard.succeeded(address);
  const s = d.sessions.open(account);
  d.log.info({ user: s.user, grade: s.grade, remote: address }, 'console login');
  reply.setCookie(COOKIE, s.id, cookieOptions(d, Math.floor(d.ttlMs / 1000)));
  return { user: s.user, grade: s.grade, csrf: s.csrf };
}

/** The session behind the request's cookie, or a 401 sent. */
export function requireSession(d: AuthDeps, req: FastifyRequest, reply: FastifyReply): boolean {
  const s = d.sessions.get(req.cookies[COOKIE]);
  if (!s) {
    void reply.code(401).send({ error: 'Login required' });
    return false;
  }
  req.consoleSession = s;
  return true;
}

/** For a request that changes something: the CSRF header matches (403 otherwise). */
export function requireCsrf(req: FastifyRequest, reply: FastifyReply): boolean {
  const s = req.consoleSession!;
  if (csrfMatches(s, req.headers[CSRF_HEADER])) return true;
  void reply.code(403).send({ error: `CSRF token missing or wrong (header ${CSRF_HEADER})` });
  return false;
}

/** For an action: an administrator (grade 1); an operator (grade 2) only sees. */
export function requireAdmin(req: FastifyRequest, reply: FastifyReply): boolean {
  if (req.consoleSession!.grade === 1) return true;
  void reply.code(403).send({ error: 'This needs an administrator account (grade 1)' });
  return false;
}
