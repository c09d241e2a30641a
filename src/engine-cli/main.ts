// `pms-engine`: the engine and its own tools, one command for a hotel technician.
//
//   pms-engine [run]             start the engine (what `npm start` and src/main.ts do)
//   pms-engine hash-password     read a password from stdin, print its hash for accounts[].password
//
// Exit codes: 0 done, 2 usage (or no password given); `run` keeps the engine's own codes.
import { hashPassword } from '../domain/password-hash.js';
import { PasswordInputError, readPassword } from './read-password.js';

const USAGE = `usage: pms-engine [run]            start the engine (configuration: PMS_CONFIG, PMS_* variables)
       pms-engine hash-password  read a password on stdin, print its scrypt hash for "accounts"`;

async function main(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  if ((command === undefined || command === 'run') && rest.length === 0) {
    // The engine's entry point runs on import and sets its own exit codes.
    await import('../main.js');
    return undefined;
  }
  if (command === 'hash-password' && rest.length === 0) return hashCommand();
  if ((command === 'help' || command === '--help' || command === '-h') && rest.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  console.error(USAGE);
  return 2;
}

async function hashCommand(): Promise<number> {
  let password: string;
  try {
    password = await readPassword(process.stdin, process.stderr);
  } catch (err) {
    if (!(err instanceof PasswordInputError)) throw err;
    console.error(`pms-engine hash-password: ${err.message}`);
    return 2;
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}

const code = await main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
