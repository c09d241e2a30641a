// Helpers for integration tests against the real lab (`make lab-up`): Asterisk 22 in a chroot,
// MariaDB and four baresip phones. Settings come from lab/lab.env, the same file the lab scripts read.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config, type DeepPartial } from '../../src/config/index.js';

const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const LAB_DIR = resolve(REPO_DIR, 'lab');
/** The sid root filesystem in which the lab's Asterisk runs. */
export const LAB_ROOTFS = resolve(LAB_DIR, 'cache/rootfs');
/** Per-phone baresip directories: lab/run/phones/<ext>/{config,accounts,baresip.log,recordings/}. */
export const LAB_PHONES_DIR = resolve(LAB_DIR, 'run/phones');

const CLI_TIMEOUT_MS = 10_000;
const PROBE_TIMEOUT_MS = 3_000;
const REQUIRE_GRACE_MS = 5_000;

/**
 * lab/lab.env parsed as lab/lib.sh reads it: `PMS_…=value` and `LAB_…=value` lines, values taken
 * literally; `#` lines and blank lines are skipped.
 */
export function labEnv(): Record<string, string> {
  const file = resolve(LAB_DIR, 'lab.env');
  const env: Record<string, string> = {};
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (/^\s*(#|$)/.test(line)) return;
      const m = /^((?:PMS|LAB)_[A-Z0-9_]+)=(.*)$/.exec(line);
      if (!m)
        throw new Error(`${file}:${i + 1}: expected PMS_…=value or LAB_…=value, got ${JSON.stringify(line)}`);
      env[m[1]!] = m[2]!;
    });
  return env;
}

/** One lab.env value; throws if the key is missing. */
export function labValue(key: string): string {
  const value = labEnv()[key];
  if (value === undefined) throw new Error(`lab/lab.env has no ${key}`);
  return value;
}

/** Extensions of the lab's phones (LAB_PHONES). */
export function labPhones(): string[] {
  return labValue('LAB_PHONES').split(',');
}

/**
 * The engine's configuration for a test against the lab: lab.env's AMI/ARI/DB settings, any free PMS
 * port, the test database, no logs; `values` are deep-merged over that.
 */
export function labConfig(values: DeepPartial<Config> = {}): Config {
  const base: DeepPartial<Config> = {
    listen: { port: 0 },
    db: { database: 'pms_engine_test' },
    log: { level: 'silent' },
  };
  return loadConfig({ env: labEnv(), values: deepMerge(base, values) });
}

/** Plain objects merge key by key; anything else (arrays included) in `over` replaces. */
function deepMerge<T>(base: T, over: T): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(over as Record<string, unknown>)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out as T;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Runs an Asterisk CLI command in the lab (`asterisk -rx` in the chroot); rejects if Asterisk is down. */
export function asteriskCli(command: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      'chroot',
      [LAB_ROOTFS, '/usr/sbin/asterisk', '-rx', command],
      { timeout: CLI_TIMEOUT_MS },
      (err, stdout, stderr) => {
        if (err) {
          const why = `${stderr}${stdout}`.trim() || err.message;
          reject(new Error(`asterisk -rx ${JSON.stringify(command)} failed: ${why}`));
        } else {
          resolvePromise(stdout);
        }
      },
    );
  });
}

/** Extensions with a registration Asterisk knows (`pjsip show contacts`). */
export async function registeredPhones(): Promise<string[]> {
  const out = await asteriskCli('pjsip show contacts');
  const exts = [...out.matchAll(/^\s*Contact:\s+([^<\s/][^/\s]*)\//gm)].map((m) => m[1]!);
  return [...new Set(exts)].sort();
}

/**
 * Waits until Asterisk answers its CLI and has fully booted, e.g. after `core restart now`. Polls
 * `core show uptime` every 200 ms up to the deadline.
 */
export async function waitForAsterisk(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      if ((await asteriskCli('core show uptime')).includes('System uptime')) {
        await asteriskCli('core waitfullybooted');
        return;
      }
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Asterisk did not come back within ${timeoutMs} ms (${last}); see lab/run/asterisk.log`);
}

/**
 * Throws unless the whole lab answers: AMI, ARI and every phone registered. Integration tests call it
 * first (`before(requireLab)` works); they never skip, so a missing lab fails loudly instead of passing
 * silently. Problems are re-checked for up to 5 s so that an Asterisk in the middle of a restart is
 * waited for rather than reported as missing.
 */
export async function requireLab(): Promise<void> {
  const env = labEnv();
  const deadline = Date.now() + REQUIRE_GRACE_MS;
  for (;;) {
    const problems = (
      await Promise.all([checkAmi(env), checkAri(env), checkPhones(env), checkNoLabEngine()])
    ).filter((p): p is string => p !== undefined);
    if (!problems.length) return;
    if (Date.now() >= deadline) {
      throw new Error(`The lab is not running (${problems.join('; ')}): run \`make lab-up\``);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The engine of `make lab` (lab/engine.sh) shares the lab's Stasis application and AstDB with the
 * engines tests start: it would take their wake-up calls and re-sync AstDB under them.
 */
async function checkNoLabEngine(): Promise<string | undefined> {
  let pid: string;
  try {
    pid = readFileSync(resolve(LAB_DIR, 'run/engine.pid'), 'utf8').trim();
  } catch {
    return undefined;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    // dist/src/main.js (lab/engine.sh), or src/main.ts through tsx (an older engine.sh).
    if (!/src\/main\.(js|ts)/.test(cmdline)) return undefined;
  } catch {
    return undefined;
  }
  return `the engine of \`make lab\` runs (pid ${pid}) and would interfere: stop it with \`bash lab/engine.sh stop\``;
}

function checkAmi(env: Record<string, string>): Promise<string | undefined> {
  const host = env.PMS_AMI_HOST ?? '127.0.0.1';
  const port = Number(env.PMS_AMI_PORT ?? 5038);
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (problem?: string): void => {
      socket.destroy();
      done(problem);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => finish(`AMI ${host}:${port} sent no banner`));
    socket.once('error', (err) => finish(`AMI ${host}:${port}: ${err.message}`));
    socket.once('data', (chunk) =>
      finish(
        chunk.toString().startsWith('Asterisk Call Manager')
          ? undefined
          : `AMI ${host}:${port} is not Asterisk`,
      ),
    );
  });
}

/** One request to the lab's ARI with lab/lab.env's credentials (its own connection, not the engine's). */
export function labAri(path: string, timeoutMs = 2_000, env = labEnv()): Promise<Response> {
  const auth = Buffer.from(`${env.PMS_ARI_USERNAME}:${env.PMS_ARI_PASSWORD}`).toString('base64');
  return fetch(`${(env.PMS_ARI_URL ?? '').replace(/\/$/, '')}/ari${path}`, {
    headers: { authorization: `Basic ${auth}` },
    signal: AbortSignal.timeout(timeoutMs),
  });
}

async function checkAri(env: Record<string, string>): Promise<string | undefined> {
  const url = `${(env.PMS_ARI_URL ?? '').replace(/\/$/, '')}/ari/asterisk/info`;
  try {
    const res = await labAri('/asterisk/info', PROBE_TIMEOUT_MS, env);
    await res.arrayBuffer();
    return res.ok ? undefined : `ARI ${url} answered HTTP ${res.status}`;
  } catch (err) {
    return `ARI ${url}: ${(err as Error).message}`;
  }
}

async function checkPhones(env: Record<string, string>): Promise<string | undefined> {
  const wanted = (env.LAB_PHONES ?? '').split(',');
  try {
    const registered = await registeredPhones();
    const missing = wanted.filter((ext) => !registered.includes(ext));
    return missing.length ? `phones not registered: ${missing.join(', ')}` : undefined;
  } catch (err) {
    return `Asterisk CLI: ${(err as Error).message}`;
  }
}

// --- AstDB ---------------------------------------------------------------------------------------
// Through the CLI, not AMI: tests of the dialplan set AstDB keys directly, without the engine.

/** Quotes a value for the Asterisk CLI (double quotes; backslash escapes " and \). */
function cliQuote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** An AstDB value, or undefined when the key does not exist. */
export async function astDbGet(family: string, key: string): Promise<string | undefined> {
  const out = await asteriskCli(`database get ${cliQuote(family)} ${cliQuote(key)}`);
  const m = /^Value: (.*)$/m.exec(out);
  return m ? m[1] : undefined;
}

export async function astDbPut(family: string, key: string, value: string): Promise<void> {
  const out = await asteriskCli(`database put ${cliQuote(family)} ${cliQuote(key)} ${cliQuote(value)}`);
  if (!/Updated database successfully/.test(out))
    throw new Error(`AstDB put ${family}/${key} failed: ${out.trim()}`);
}

/** Deletes a key; a key that does not exist is fine (and not tried: Asterisk would log a warning). */
export async function astDbDel(family: string, key: string): Promise<void> {
  if ((await astDbGet(family, key)) === undefined) return;
  const out = await asteriskCli(`database del ${cliQuote(family)} ${cliQuote(key)}`);
  if (!/removed/i.test(out)) throw new Error(`AstDB del ${family}/${key} failed: ${out.trim()}`);
}

export interface AstDbChanges {
  /** Sets family/key (undefined: deletes it), remembering the value it had first. */
  set(key: string, value: string | undefined): Promise<void>;
  /** Puts back every key touched since: its first value, or no key if it had none. */
  restore(): Promise<void>;
}

/** AstDB changes a test makes and undoes afterwards (`after(() => db.restore())`). */
export function astDbChanges(family: string): AstDbChanges {
  const original = new Map<string, string | undefined>();
  const apply = (key: string, value: string | undefined): Promise<void> =>
    value === undefined ? astDbDel(family, key) : astDbPut(family, key, value);
  return {
    async set(key, value) {
      if (!original.has(key)) original.set(key, await astDbGet(family, key));
      await apply(key, value);
    },
    async restore() {
      for (const [key, value] of original) await apply(key, value);
      original.clear();
    },
  };
}

/**
 * Which lab phones subscribe to message waiting (baresip's mwi module, account `mwi=yes`): the phones
 * whose setting changes are restarted by lab/phones.sh. baresip 1.0 now and then gets stuck re-sending
 * an unauthenticated SUBSCRIBE (hundreds per second, the phone then stops answering its control port),
 * so every phone that subscribes is checked to have done so a few times at most, and restarted if not.
 * Open `phone()` clients of these phones after this call (a restart closes their connection).
 */
export async function setPhonesMwi(exts: string[], tries = 3): Promise<void> {
  const env = { ...process.env, LAB_PHONES_MWI: exts.join(',') };
  const phones = (args: string[]): Promise<void> =>
    new Promise((res, rej) =>
      execFile(
        'bash',
        [resolve(LAB_DIR, 'phones.sh'), ...args],
        { env, timeout: 60_000 },
        (err, _o, stderr) =>
          err ? rej(new Error(`lab/phones.sh ${args.join(' ')}: ${stderr || err.message}`)) : res(),
      ),
    );
  const subscribes = (ext: string): number => {
    try {
      return (
        readFileSync(resolve(LAB_PHONES_DIR, ext, 'baresip.log'), 'utf8').split('mwi: subscribing').length - 1
      );
    } catch {
      return 0;
    }
  };
  await phones(['start']);
  for (let attempt = 1; ; attempt++) {
    await new Promise((r) => setTimeout(r, 3_000));
    const stuck = exts.filter((ext) => subscribes(ext) > 5);
    if (!stuck.length) return;
    if (attempt >= tries)
      throw new Error(`phones ${stuck.join(', ')} keep re-sending SUBSCRIBE (baresip mwi)`);
    await phones(['restart', ...stuck]);
  }
}
