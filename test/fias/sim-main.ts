// pms-fias-sim: the FIAS PMS simulator (test/fias/sim.ts) from a terminal, to try the engine's FIAS
// link by hand. Works from a checkout (it runs the TypeScript through tsx), not from the engine image.
//   pms-fias-sim [--host 127.0.0.1] [--port 5010] [--encoding latin1|cp850|utf8] [--silent] [--no-alive]
// Then type records as the spec prints them (`GI|RN8001|G#123|GNSmith|`) to send them; `:le` sends
// LE, `:drop` drops the connection, `:quit` ends. Received records are printed as they arrive.
import { createInterface } from 'node:readline';
import { parseArgs, UsageError } from '../../src/cli/args.js';
import { FIAS_ENCODINGS, type FiasEncoding } from '../../src/fias/codec/index.js';
import { FiasSim, formatRecord } from './sim.js';

const USAGE =
  'usage: pms-fias-sim [--host H] [--port P] [--encoding latin1|cp850|utf8] [--silent] [--no-alive]\n';

export async function main(argv: readonly string[]): Promise<number> {
  let sim: FiasSim;
  let host: string;
  try {
    const a = parseArgs(argv, {
      host: { value: true },
      port: { value: true },
      encoding: { value: true },
      silent: { value: false },
      'no-alive': { value: false },
      help: { value: false },
    });
    if (a.options.has('help')) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (a.positionals.length) throw new UsageError(`unexpected argument "${a.positionals[0]}"`);
    const encoding = a.options.get('encoding') ?? 'latin1';
    if (!(FIAS_ENCODINGS as readonly string[]).includes(encoding))
      throw new UsageError(`--encoding is one of ${FIAS_ENCODINGS.join(', ')}`);
    const p = a.options.get('port') ?? '5010';
    if (!/^\d+$/.test(p) || Number(p) > 65535) throw new UsageError(`--port is 0 to 65535, not "${p}"`);
    host = a.options.get('host') ?? '127.0.0.1';
    sim = new FiasSim({
      host,
      port: Number(p),
      encoding: encoding as FiasEncoding,
      silent: a.options.has('silent'),
      answerAliveChecks: !a.options.has('no-alive'),
    });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`pms-fias-sim: ${err.message}\n${USAGE}`);
    return 2;
  }
  const port = await sim.listen();
  const say = (line: string): void => void process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  say(`listening on ${host}:${port} (${sim.encoding}${sim.silent ? ', silent' : ''})`);
  sim.on('connection', (n) => say(`connection ${n} open`));
  sim.on('closed', (n) => say(`connection ${n} closed`));
  sim.on('alive', () => say('link alive'));
  sim.on('record', (r) => say(`<- ${formatRecord(r.record)}`));
  sim.on('frameError', (e) => say(`<- unreadable: ${e}`));
  const rl = createInterface({ input: process.stdin });
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '') continue;
    try {
      if (line === ':quit') break;
      else if (line === ':drop') sim.drop();
      else if (line === ':le') sim.sendLE();
      else {
        sim.send(line);
        say(`-> ${line}`);
      }
    } catch (err) {
      say(`error: ${(err as Error).message}`);
    }
  }
  await sim.close();
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
