// The one place configuration is read: a JSON file (optional) plus environment overrides, validated at
// start with messages a technician can act on. The rest of the engine receives the typed `Config`.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { looksHashed, parseHash } from '../domain/password-hash.js';
import { KEYS } from './schema.js';
import type { Account, Config, KeySpec } from './types.js';
import { fiasProblems } from './fias-keys.js';
import { tlsProblems } from './security-keys.js';
import { httpProblems } from './http-keys.js';

export type { Account, BackoffConfig, Config, KeepaliveConfig } from './types.js';
export { KEYS } from './schema.js';
export { parseClassMap, parseExpiresAt, type FiasClassMap } from './fias-keys.js';

export interface LoadOptions {
  /** Path of a JSON config file; default: the `PMS_CONFIG` environment variable, else none. */
  file?: string;
  /** Environment to read overrides from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Values applied over file and environment (tests configure through this). */
  values?: DeepPartial<Config>;
  /**
   * Only these keys (paths or path prefixes such as `hotel`) are read and checked; every other key
   * keeps its default unchecked. For tools that need a few keys of the engine's configuration
   * (pms-provision), so that they do not demand, e.g., the AMI password.
   */
  only?: string[];
}

export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const file = options.file ?? env.PMS_CONFIG;
  const fromFile = file ? readJson(file, problems) : {};
  checkUnknownKeys(fromFile, problems, file ?? '');

  const out: Record<string, unknown> = {};
  const wanted = (path: string): boolean =>
    !options.only || options.only.some((p) => path === p || path.startsWith(`${p}.`));
  for (const spec of KEYS) {
    if (!wanted(spec.path)) {
      setPath(out, spec.path, spec.default);
      continue;
    }
    let value: unknown = spec.default;
    let source = 'default';
    const inFile = getPath(fromFile, spec.path);
    if (inFile !== undefined) {
      value = inFile;
      source = `${file}: ${spec.path}`;
    }
    const inEnv = env[spec.env];
    if (inEnv !== undefined && inEnv !== '') {
      value = fromEnvString(spec, inEnv, problems);
      source = `environment ${spec.env}`;
    }
    const given = getPath(options.values ?? {}, spec.path);
    if (given !== undefined) {
      value = given;
      source = `value ${spec.path}`;
    }
    const problem = validate(spec, value);
    if (problem) problems.push(`${spec.path} (${source}): ${problem}`);
    setPath(out, spec.path, value);
  }
  const config = out as unknown as Config;
  if (config.wakeup.confirmDigit === config.wakeup.snoozeDigit)
    problems.push('wakeup.confirmDigit and wakeup.snoozeDigit: must be two different keys');
  problems.push(...tlsProblems(config.tls));
  problems.push(...fiasProblems(config.fias));
  problems.push(...httpProblems(config.http));
  if (config.tls.enabled && config.tls.port !== 0 && config.tls.port === config.listen.port)
    problems.push('tls.port and listen.port: must be two different ports');
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** True when the built-in admin/admin account is in use; the engine warns loudly about it. */
export function usesDefaultAdmin(config: Config): boolean {
  return config.accounts.some((a) => a.user === 'admin' && a.password === 'admin');
}

/** Users whose password is configured in plaintext, not as a hash: the engine warns about each. */
export function plaintextAccounts(config: Config): string[] {
  return config.accounts.filter((a) => !looksHashed(a.password)).map((a) => a.user);
}

function readJson(file: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`config file ${file} cannot be read: ${(err as Error).message}`);
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isObject(parsed)) throw new Error('the top level must be a JSON object');
    return parsed;
  } catch (err) {
    problems.push(`config file ${file} is not valid JSON: ${(err as Error).message}`);
    return {};
  }
}

function checkUnknownKeys(obj: Record<string, unknown>, problems: string[], file: string): void {
  const known = new Set(KEYS.map((k) => k.path));
  const prefixes = new Set(
    KEYS.flatMap((k) => k.path.split('.').map((_, i, a) => a.slice(0, i + 1).join('.'))),
  );
  const walk = (o: Record<string, unknown>, prefix: string): void => {
    for (const [k, v] of Object.entries(o)) {
      const p = prefix ? `${prefix}.${k}` : k;
      if (known.has(p)) continue;
      if (!prefixes.has(p))
        problems.push(`${file}: unknown key "${p}" (misspelt? see the README's configuration table)`);
      else if (isObject(v)) walk(v, p);
      else problems.push(`${file}: "${p}" must be an object`);
    }
  };
  walk(obj, '');
}

function fromEnvString(spec: KeySpec, raw: string, problems: string[]): unknown {
  switch (spec.kind) {
    case 'string':
      return raw;
    case 'int':
      return /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      return raw;
    case 'list':
      return raw
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
    case 'map':
    case 'accounts':
      try {
        return JSON.parse(raw);
      } catch {
        const example =
          spec.kind === 'map' ? '{"Floor8":"8001-8099"}' : '[{"user":"…","password":"…","grade":1}]';
        problems.push(`${spec.env}: not valid JSON (expected ${example})`);
        return spec.default;
      }
  }
}

function validate(spec: KeySpec, value: unknown): string | undefined {
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string') return `must be a string, got ${JSON.stringify(value)}`;
      break;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value))
        return `must be a whole number, got ${JSON.stringify(value)}`;
      if (spec.min !== undefined && value < spec.min) return `must be at least ${spec.min}, got ${value}`;
      if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max}, got ${value}`;
      break;
    case 'bool':
      if (typeof value !== 'boolean') return `must be true or false, got ${JSON.stringify(value)}`;
      break;
    case 'accounts':
      return validateAccounts(value);
    case 'map':
      if (!isObject(value)) return `must be a JSON object, got ${JSON.stringify(value)}`;
      break;
    case 'list':
      if (!Array.isArray(value) || value.some((x) => typeof x !== 'string'))
        return `must be a list of strings, got ${JSON.stringify(value)}`;
      break;
  }
  return spec.check?.(value);
}

function validateAccounts(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length === 0) return 'must be a non-empty list of accounts';
  const seen = new Set<string>();
  for (const [i, a] of value.entries()) {
    if (!isObject(a)) return `account #${i + 1} must be an object`;
    const acc = a as Partial<Account>;
    if (typeof acc.user !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(acc.user))
      return `account #${i + 1}: "user" must be 1-64 printable characters without spaces`;
    if (typeof acc.password !== 'string' || acc.password.length === 0 || /[\r\n]/.test(acc.password))
      return `account ${acc.user}: "password" must be a non-empty single line`;
    if (looksHashed(acc.password)) {
      const hash = parseHash(acc.password);
      if (typeof hash === 'string') return `account ${acc.user}: "password" ${hash}`;
    }
    if (acc.grade !== 1 && acc.grade !== 2)
      return `account ${acc.user}: "grade" must be 1 (administrator) or 2 (operator)`;
    if (seen.has(acc.user)) return `account ${acc.user} is listed twice`;
    seen.add(acc.user);
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function getPath(obj: object, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(cur[part])) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}
