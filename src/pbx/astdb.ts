// Typed access to Asterisk's key/value database (AstDB) over AMI. Names and values are checked here,
// before anything is sent, so callers can pass guest-controlled strings without building AMI lines.
//
// Naming rule (documented for the handlers): a family or key is 1–128 characters of letters, digits,
// `_`, `-`, `.` and `/`, where `/` only separates non-empty parts (no `/` at either end, no `//`).
// AstDB stores entries as `/family/key`, so a stray `/` would silently address another entry.
// A value may be any text without CR, LF or NUL (AMI would read those as the end of the field), and
// short enough for one AMI line.
import { AmiActionError, UnsafeValueError } from '../errors.js';
import { text } from './ami/pending.js';
import type { AmiLink } from './types.js';

const NAME = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;
const MAX_NAME_LENGTH = 128;
const LINE_BREAK_OR_NUL = /[\r\n\0]/;

export class AstDb {
  constructor(private readonly ami: AmiLink) {}

  async put(family: string, key: string, value: string): Promise<void> {
    checkName('family', family);
    checkName('key', key);
    checkValue(value);
    await this.ami.action('DBPut', { Family: family, Key: key, Val: value });
  }

  /** The value, or undefined when there is no such entry. */
  async get(family: string, key: string): Promise<string | undefined> {
    checkName('family', family);
    checkName('key', key);
    try {
      // A list action: `Response: Success` + `EventList: start`, one DBGetResponse, DBGetComplete.
      const result = await this.ami.action('DBGet', { Family: family, Key: key });
      const entry = result.events.find((e) => e.event === 'DBGetResponse');
      // Older Asterisk answered with the value in the response itself.
      return entry ? (text(entry.fields, 'val') ?? '') : text(result.fields, 'val');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Deletes one entry; false when nothing was deleted. Asterisk 22 answers a missing entry with
   * "Database entry could not be deleted", the same words it uses when its storage fails, so the two
   * cannot be told apart here.
   */
  async del(family: string, key: string): Promise<boolean> {
    checkName('family', family);
    checkName('key', key);
    return this.#deleting(() => this.ami.action('DBDel', { Family: family, Key: key }));
  }

  /** Deletes a whole family, or every key under `family/key`; false when there was nothing to delete. */
  async delTree(family: string, key?: string): Promise<boolean> {
    checkName('family', family);
    if (key !== undefined) checkName('key', key);
    return this.#deleting(() => this.ami.action('DBDelTree', { Family: family, Key: key }));
  }

  async #deleting(send: () => Promise<unknown>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}

// Asterisk 22: DBGet and DBDelTree say "Database entry not found", DBDel "… could not be deleted".
function isNotFound(err: unknown): boolean {
  return err instanceof AmiActionError && /not found|could not be deleted/i.test(err.amiMessage);
}

function checkName(field: 'family' | 'key', name: string): void {
  if (typeof name !== 'string' || name.length > MAX_NAME_LENGTH || !NAME.test(name)) {
    throw new UnsafeValueError(field, `AstDB ${field} ${JSON.stringify(name)} is not allowed`);
  }
}

function checkValue(value: string): void {
  if (typeof value !== 'string' || LINE_BREAK_OR_NUL.test(value)) {
    throw new UnsafeValueError('value', 'AstDB value contains a line break or NUL');
  }
}
