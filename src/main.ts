// Entry point: `node dist/src/main.js` (`npm start`, after `npm run build`). Reads the configuration,
// starts the engine, and stops it gracefully on SIGTERM/SIGINT.
import { ConfigError } from './errors.js';
import { loadConfig, plaintextAccounts, usesDefaultAdmin, type Config } from './config/index.js';
import { Engine } from './engine.js';
import { createLogger } from './log.js';
import { IdleCompactor } from './runtime/idle-compact.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  // Before a logger exists: a technician reads this on the console.
  console.error(err.message);
  process.exit(2);
}

const log = createLogger(config.log);
if (usesDefaultAdmin(config))
  log.warn(
    { user: 'admin' },
    'SECURITY: the default PMS account admin/admin is enabled; set PMS_ACCOUNTS or "accounts" in the config file',
  );
// Once per account, naming the user (never the password): a hash is one command away.
for (const user of plaintextAccounts(config))
  log.warn(
    { user },
    'SECURITY: a PMS account password is stored in plaintext; replace it with the output of `pms-engine hash-password`',
  );

const engine = new Engine(config, log);
// The operator console (fastify, its plugins, prom-client) is loaded only when it is enabled: they are
// a fifth of the engine's start-up time and memory. It is built before the engine starts, as it follows
// the engine's events from the start.
const operatorConsole = config.http.enabled
  ? new (await import('./console/server.js')).ConsoleServer(engine, log.child({ component: 'console' }))
  : undefined;
// After every AstDB re-sync (thousands of AMI actions), the heap V8 grew for it is given back, also
// when a part of it failed.
const compactor = new IdleCompactor((ms) =>
  log.info({ ms: Math.round(ms) }, 'memory of the re-sync given back (full collection)'),
);
engine.on('resyncEnded', () => compactor.burstEnded());
let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  compactor.stop();
  log.info({ signal }, 'shutdown requested');
  const force = setTimeout(() => {
    log.error('shutdown took too long; exiting');
    process.exit(1);
  }, 10_000);
  force.unref();
  Promise.allSettled([operatorConsole?.close()])
    .then(() => engine.stop())
    .then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection (bug): kept running'));

engine
  .start()
  .then(() => operatorConsole?.listen())
  .catch((err: unknown) => {
    // A configuration problem found at start (an unreadable or unusable TLS file) is the technician's
    // to fix, like one found at load: exit code 2, which systemd does not restart.
    if (err instanceof ConfigError) {
      console.error(err.message);
      log.fatal({ problems: err.problems }, 'engine failed to start: configuration');
      process.exit(2);
    }
    log.fatal({ err }, 'engine failed to start');
    process.exit(1);
  });
