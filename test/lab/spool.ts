// Reading app_voicemail's spool (<spool>/<context>/<mailbox>/<folder>) in lab tests. A folder that
// does not exist is an empty folder only when the spool itself is where the test thinks it is: a wrong
// path must fail the test, never make "no messages" pass.
import { readdir, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';

/** The entries of `dir`, a path inside `spoolRoot`; [] when `dir` (and only it) does not exist. */
export async function spoolEntries(spoolRoot: string, dir: string): Promise<string[]> {
  const rel = relative(resolve(spoolRoot), resolve(dir));
  if (rel === '' || rel.startsWith('..')) throw new Error(`${dir} is not inside the spool ${spoolRoot}`);
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const root = await stat(spoolRoot).catch(() => undefined);
    if (!root?.isDirectory())
      throw new Error(`voicemail spool ${spoolRoot} does not exist: cannot tell whether ${dir} is empty`);
    return [];
  }
}

/** The messages (msgNNNN.wav) in a folder of a mailbox, e.g. <spool>/pms-vm/8001/INBOX. */
export async function spoolMessages(spoolRoot: string, dir: string): Promise<string[]> {
  return (await spoolEntries(spoolRoot, dir)).filter((n) => /^msg\d+\.wav$/.test(n));
}
