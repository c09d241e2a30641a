// Interactive mode: one command per line (same words as one-shot), replies printed as they come, and
// every unsolicited push (e.g. Action: Query / CallMethod: LeaveMessage) printed the moment it
// arrives. Heartbeats keep the session alive while the user thinks. Piped input works too; the exit
// code is then 1 if any reply was Response: Error, else 2 if a line was a usage mistake, else 0.
import { createInterface } from 'node:readline';
import type { Frame } from '../protocol/index.js';
import { splitWords, UsageError } from './args.js';
import { buildRequest, findCommand } from './commands.js';
import { help } from './help.js';
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

/** The protocol's client heartbeat period (seed 000 §5.3). */
const HEARTBEAT_MS = 5_000;

export async function runInteractive(conn: ConnectOptions, io: CliIo): Promise<number> {
  let session;
  try {
    session = await openSession(conn);
  } catch (err) {
    if (!(err instanceof LinkError)) throw err;
    io.stderr.write(`pms-cli: ${err.message}\n`);
    return EXIT.link;
  }
  const { client, login } = session;
  if (isError(login)) {
    io.stderr.write(`login as ${conn.user} refused:\n${formatFrame(login)}`);
    client.socket.destroy();
    return EXIT.error;
  }
  const tty = io.stdin.isTTY === true;
  if (tty)
    io.stdout.write(`connected to ${conn.host}:${conn.port} as ${conn.user}; type a command (help, quit)\n`);

  const printPush = (f: Frame): void => {
    io.stdout.write(`>>> push ${f.get('Action') ?? ''}/${f.get('CallMethod') ?? ''}\n${formatFrame(f)}`);
  };
  client.on('push', printPush);
  client.on('stray', (f) =>
    io.stdout.write(`>>> unexpected\n${typeof f === 'string' ? `${f}\n\n` : formatFrame(f)}`),
  );

  let gone = false;
  const heartbeat = setInterval(() => {
    send(
      client,
      [
        ['Action', 'UserLogin'],
        ['CallMethod', 'HeartBeat'],
      ],
      conn.timeoutMs,
    ).catch(() => undefined);
  }, HEARTBEAT_MS);
  const rl = createInterface({ input: io.stdin, output: tty ? io.stdout : undefined, terminal: tty });
  client.once('close', () => {
    gone = true;
    io.stderr.write('pms-cli: the engine closed the connection\n');
    rl.close();
  });

  let sawError = false;
  let sawUsage = false;
  if (tty) rl.setPrompt('pms> ');
  rl.prompt();
  try {
    for await (const line of rl) {
      const words = splitOrReport(line, io);
      if (words && words.length) {
        if (words[0] === 'quit' || words[0] === 'exit') break;
        if (words[0] === 'help') io.stdout.write(help(words[1]));
        else {
          let fields;
          try {
            fields = buildRequest(words).fields;
          } catch (err) {
            if (!(err instanceof UsageError)) throw err;
            sawUsage = true;
            const cmd = findCommand(words[0]!);
            io.stderr.write(`${err.message}${cmd ? `\nusage: ${cmd.usage}` : ''}\n`);
          }
          if (fields) {
            const replies = await send(client, fields, conn.timeoutMs);
            for (const r of replies) io.stdout.write(formatFrame(r));
            sawError ||= replies.some(isError);
          }
        }
      }
      if (gone) break;
      rl.prompt();
    }
  } catch (err) {
    if (!(err instanceof LinkError)) throw err;
    io.stderr.write(`pms-cli: ${err.message}\n`);
    return EXIT.link;
  } finally {
    clearInterval(heartbeat);
    rl.close();
    client.off('push', printPush);
    client.socket.destroy();
  }
  if (gone) return EXIT.link;
  return sawError ? EXIT.error : sawUsage ? EXIT.usage : EXIT.ok;
}

function splitOrReport(line: string, io: CliIo): string[] | undefined {
  try {
    return splitWords(line);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`${err.message}\n`);
    return undefined;
  }
}
