// Reads the password for `pms-engine hash-password`: typed at a terminal without echo (asked twice),
// or one line from a pipe (`printf '%s\n' "$PW" | pms-engine hash-password`), so it never has to be
// on the command line, where `ps` and the shell history would show it.

/** The input as the reader needs it: process.stdin, or a test's stream. */
export interface PasswordInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?: (raw: boolean) => unknown;
}

/** Why no password came: the command answers it with exit code 2. */
export class PasswordInputError extends Error {
  override readonly name = 'PasswordInputError';
}

const MAX_LENGTH = 1024;

/** The password from `input`; prompts go to `prompt` (stderr), never to stdout where the hash goes. */
export async function readPassword(input: PasswordInput, prompt: NodeJS.WritableStream): Promise<string> {
  if (!input.isTTY || !input.setRawMode) return checked(await firstLine(input));
  const first = checked(await typed(input, prompt, 'Password: '));
  const again = await typed(input, prompt, 'Again: ');
  if (again !== first) throw new PasswordInputError('the two passwords differ; nothing was hashed');
  return first;
}

function checked(pw: string): string {
  if (pw === '') throw new PasswordInputError('empty password; nothing was hashed');
  if (pw.length > MAX_LENGTH) throw new PasswordInputError(`a password of at most ${MAX_LENGTH} characters`);
  return pw;
}

/** The first line of a pipe; a second non-empty line is refused (a file of several secrets?). */
async function firstLine(input: PasswordInput): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (text.length > MAX_LENGTH * 4) break;
  }
  const [line = '', ...rest] = text.split(/\r?\n/);
  if (rest.some((l) => l !== ''))
    throw new PasswordInputError('give the password as a single line on standard input');
  return line;
}

/** One line typed in raw mode: nothing is echoed; backspace edits; Ctrl-C or Ctrl-D abort. */
function typed(input: PasswordInput, prompt: NodeJS.WritableStream, label: string): Promise<string> {
  prompt.write(label);
  input.setRawMode!(true);
  input.resume();
  let pw = '';
  return new Promise((resolve, reject) => {
    const finish = (err?: Error): void => {
      input.setRawMode!(false);
      input.pause();
      input.off('data', onData);
      prompt.write('\n');
      if (err) reject(err);
      else resolve(pw);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004') return finish(new PasswordInputError('aborted'));
        if (ch === '\u007f' || ch === '\b') pw = [...pw].slice(0, -1).join('');
        else if (ch >= ' ') pw += ch;
        if (pw.length > MAX_LENGTH)
          return finish(new PasswordInputError(`a password of at most ${MAX_LENGTH} characters`));
      }
    };
    input.on('data', onData);
  });
}
