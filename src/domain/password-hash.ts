// Account passwords stored as scrypt hashes in a self-describing string:
//   scrypt$<N>$<r>$<p>$<salt, base64>$<hash, base64>
// The parameters travel with the hash, so a hash made today still verifies after the defaults change.
// One source for the format: the configuration check, the account book and `pms-engine hash-password`
// all use this module.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

export interface PasswordHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

/** 2^15 × 8 × 128 bytes = 32 MiB and about 0.1 s per check: slow for a guesser, fine for a login. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

const PREFIX = 'scrypt$';
const SALT_BYTES = 16;
const HASH_BYTES = 32;
// Bounds on what a configuration may ask for: a typo must not make each login take minutes or
// gigabytes (a login runs on libuv's thread pool, four at a time).
const MAX_MEMORY = 256 * 1024 * 1024;

/** True when the configured value is meant as a hash (it may still be malformed: see parseHash). */
export const looksHashed = (value: string): boolean => value.startsWith(PREFIX);

/**
 * Reads a hash string. Returns the parts, or a problem in words a technician can act on (the value
 * itself is never repeated: it is a secret).
 */
export function parseHash(value: string): PasswordHash | string {
  const parts = value.split('$');
  const redo = 'paste the whole line `pms-engine hash-password` printed';
  if (parts.length !== 6 || parts[0] !== 'scrypt')
    return `a scrypt hash has 6 parts scrypt$N$r$p$salt$hash, this one has ${parts.length}: ${redo}`;
  const [N, r, p] = parts.slice(1, 4).map((x) => (/^\d{1,10}$/.test(x) ? Number(x) : NaN)) as [
    number,
    number,
    number,
  ];
  if (!Number.isInteger(N) || N < 2 ** 10 || N > 2 ** 20 || (N & (N - 1)) !== 0)
    return `scrypt N must be a power of two from 1024 to 1048576: ${redo}`;
  if (!Number.isInteger(r) || r < 1 || r > 32) return `scrypt r must be 1 to 32: ${redo}`;
  if (!Number.isInteger(p) || p < 1 || p > 16) return `scrypt p must be 1 to 16: ${redo}`;
  if (memoryFor({ N, r, p }) > MAX_MEMORY) return `scrypt N × r needs more than 256 MiB: ${redo}`;
  const salt = base64(parts[4]!);
  const hash = base64(parts[5]!);
  if (!salt || salt.length < 8) return `the salt is not base64 of at least 8 bytes: ${redo}`;
  if (!hash || hash.length < 16 || hash.length > 64)
    return `the hash is not base64 of 16 to 64 bytes: ${redo}`;
  return { N, r, p, salt, hash };
}

/** Hashes a password with fresh salt; the result is what goes into `accounts[].password`. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, HASH_BYTES, params);
  return [
    PREFIX.slice(0, -1),
    params.N,
    params.r,
    params.p,
    salt.toString('base64'),
    hash.toString('base64'),
  ].join('$');
}

/** True when `password` matches; compared in constant time, with the parameters stored in the hash. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const candidate = await derive(password, stored.salt, stored.hash.length, stored);
  return timingSafeEqual(candidate, stored.hash);
}

/** The asynchronous scrypt: it runs on the thread pool, so other sessions go on while it works. */
function derive(password: string, salt: Buffer, keylen: number, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    // node's default maxmem (32 MiB) is exactly what N=2^15, r=8 needs and is refused as "too
    // much"; allow what the parameters need plus headroom.
    maxmem: memoryFor(params) * 2,
  };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, keylen, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

// What OpenSSL allocates: the N × r block array plus p × r blocks.
const memoryFor = (p: ScryptParams): number => 128 * p.r * (p.N + p.p);

function base64(s: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return undefined;
  return Buffer.from(s, 'base64');
}
