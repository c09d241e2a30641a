// `pms-cli`: the PMS protocol from a terminal, for testers and hotel technicians. One-shot
// (`pms-cli check-in 8001 --name "Li Lei"`) or interactive (`pms-cli` alone, or `pms-cli shell`).
// Exit codes: 0 success, 1 a reply said Response: Error, 2 a usage mistake, 3 the engine unreachable,
// silent or gone.
import { parseArgs, UsageError } from './args.js';
import { buildRequest, findCommand } from './commands.js';
import { help } from './help.js';
import { runInteractive } from './interactive.js';
import {
  EXIT,
  formatFrame,
  isError,
  LinkError,
  openSession,
  send,
  type CliIo,
  type ConnectOptions,
} from './session.js';

const GLOBAL_OPTIONS = {
  host: { value: true },
  port: { value: true },
  user: { value: true },
  password: { value: true },
  timeout: { value: true },
  help: { value: false },
};

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let conn: ConnectOptions;
  let words: string[];
  try {
    // Global options come before the command: the leading --words (and the values they take).
    let split = 0;
    while (split < argv.length && argv[split]!.startsWith('--')) {
      const name = argv[split]!.slice(2);
      split += name in GLOBAL_OPTIONS && GLOBAL_OPTIONS[name as keyof typeof GLOBAL_OPTIONS].value ? 2 : 1;
    }
    const globals = parseArgs(argv.slice(0, split), GLOBAL_OPTIONS);
    words = argv.slice(split);
    if (globals.options.has('help') || words[0] === 'help') {
      io.stdout.write(help(words[1]));
      return EXIT.ok;
    }
    conn = connectOptions(globals.options, io.env);
  } catch (err) {
    return usage(io, err);
  }

  if (words.length === 0 || words[0] === 'shell' || words[0] === 'interactive') {
    if (words.length > 1) return usage(io, new UsageError(`${words[0]} takes no arguments`));
    return runInteractive(conn, io);
  }
  let fields;
  try {
    fields = buildRequest(words).fields;
  } catch (err) {
    return usage(io, err, words[0]);
  }
  try {
    const { client, login } = await openSession(conn);
    try {
      if (isError(login)) {
        io.stderr.write(`login as ${conn.user} refused:\n${formatFrame(login)}`);
        return EXIT.error;
      }
      const replies = await send(client, fields, conn.timeoutMs);
      for (const r of replies) io.stdout.write(formatFrame(r));
      return replies.some(isError) ? EXIT.error : EXIT.ok;
    } finally {
      client.socket.destroy();
    }
  } catch (err) {
    if (!(err instanceof LinkError)) throw err;
    io.stderr.write(`pms-cli: ${err.message}\n`);
    return EXIT.link;
  }
}

function connectOptions(o: Map<string, string>, env: CliIo['env']): ConnectOptions {
  const pick = (opt: string, envKey: string, fallback: string): string =>
    o.get(opt) ?? env[envKey] ?? fallback;
  const port = pick('port', 'PMS_CLI_PORT', '5078');
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535)
    throw new UsageError(`the port is 1 to 65535, not "${port}"`);
  const timeout = pick('timeout', 'PMS_CLI_TIMEOUT_MS', '10000');
  if (!/^\d+$/.test(timeout) || Number(timeout) < 100)
    throw new UsageError(`--timeout is milliseconds ≥ 100`);
  return {
    host: pick('host', 'PMS_CLI_HOST', '127.0.0.1'),
    port: Number(port),
    user: pick('user', 'PMS_CLI_USER', 'admin'),
    password: pick('password', 'PMS_CLI_PASSWORD', 'admin'),
    timeoutMs: Number(timeout),
  };
}

function usage(io: CliIo, err: unknown, commandName?: string): number {
  if (!(err instanceof UsageError)) throw err;
  const command = commandName === undefined ? undefined : findCommand(commandName);
  io.stderr.write(
    `pms-cli: ${err.message}\n${command ? `usage: pms-cli ${command.usage}\n` : 'see: pms-cli help\n'}`,
  );
  return EXIT.usage;
}
