// The CLI's help text, made from the command table.
import { COMMANDS, findCommand } from './commands.js';

export function help(commandName?: string): string {
  const command = commandName === undefined ? undefined : findCommand(commandName);
  if (command) return `pms-cli ${command.usage}\n  ${command.summary}\n`;
  return [
    'pms-cli [--host H] [--port P] [--user U] [--password P] [--timeout MS] <command> [arguments]',
    'pms-cli [options]                 interactive: type commands, see replies and pushes (LeaveMessage) as they arrive',
    '',
    'Connection: --host/PMS_CLI_HOST (127.0.0.1), --port/PMS_CLI_PORT (5078), --user/PMS_CLI_USER (admin),',
    '--password/PMS_CLI_PASSWORD (admin; prefer the variable: arguments show in ps), --timeout/PMS_CLI_TIMEOUT_MS (10000).',
    'Exit code: 0 success, 1 Response: Error, 2 usage mistake, 3 engine unreachable or silent.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`),
    '',
    'Examples:',
    '  pms-cli check-in 8001 --name "Li Lei" --limit 3',
    '  pms-cli wakeup 8001 07:30 --attempts 5',
    '  pms-cli cdr 2026-03-08',
    '',
  ].join('\n');
}
