// The rooms' messages on disk: Asterisk's voicemail spool, <spoolDir>/<context>/<room>/{INBOX,Old,…}
// with the room's greetings next to them. Check-out deletes a room's directory, a room change or a
// change of Usevmwi renames it. Asterisk is told afterwards (VoicemailRefresh) by the caller.
//
// Decision: the engine works on the spool files directly, so it must run on Asterisk's host or see the
// spool through a shared volume (voicemail.spoolDir). AMI has no action that deletes or moves a whole
// mailbox, and this keeps one mechanism for every Asterisk version.
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const EXTENSION = /^\d{1,10}$/;
const CONTEXT = /^[A-Za-z0-9_-]{1,64}$/;

export class Spool {
  constructor(readonly root: string) {}

  /** The mailbox directory; both names are checked so no path can leave the spool. */
  dir(context: string, extension: string): string {
    if (!CONTEXT.test(context)) throw new Error(`bad voicemail context ${JSON.stringify(context)}`);
    if (!EXTENSION.test(extension)) throw new Error(`bad mailbox ${JSON.stringify(extension)}`);
    return join(this.root, context, extension);
  }

  async exists(context: string, extension: string): Promise<boolean> {
    try {
      return (await stat(this.dir(context, extension))).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** Deletes the room's messages and greetings in each of `contexts`. */
  async remove(extension: string, contexts: string[]): Promise<void> {
    for (const c of contexts) await rm(this.dir(c, extension), { recursive: true, force: true });
  }

  /**
   * Moves a mailbox directory (one rename: messages and greetings move together). Whatever was at
   * the target (a previous guest's messages) is deleted first. Nothing to move is not an error.
   */
  async move(
    from: { context: string; extension: string },
    to: { context: string; extension: string },
  ): Promise<void> {
    const source = this.dir(from.context, from.extension);
    const target = this.dir(to.context, to.extension);
    if (source === target) return;
    await rm(target, { recursive: true, force: true });
    if (!(await this.exists(from.context, from.extension))) return;
    await mkdir(dirname(target), { recursive: true });
    await rename(source, target);
  }
}

/** Writes `content` to `file` atomically: a temporary file in the same directory, then rename. */
export async function writeAtomic(file: string, content: string): Promise<void> {
  const tmp = join(dirname(file), `.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(tmp, content, { mode: 0o640, flush: true });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
