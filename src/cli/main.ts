// Entry point of `pms-cli` (bin/pms-cli.js): runs the command line and exits with its code.
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
