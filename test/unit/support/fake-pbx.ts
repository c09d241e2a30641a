// A stand-in for the AMI link in unit tests of sessions and handlers: its state is set by the test,
// and while it is not ready every action fails at once, exactly as the real adapter promises. It keeps
// an AstDB of its own for DBPut/DBGet/DBDel/DBDelTree, and can be told to fail chosen actions.
import { EventEmitter } from 'node:events';
import { PbxUnavailableError } from '../../../src/errors.js';
import type { AmiFields, AmiLink, AmiLinkEvents, AmiResult, LinkState } from '../../../src/pbx/types.js';

export class FakeAmi extends EventEmitter<AmiLinkEvents> implements AmiLink {
  state: LinkState = 'ready';
  readonly sent: Array<{ name: string; fields: AmiFields }> = [];
  /** AstDB content, keyed `family/key`. */
  readonly db = new Map<string, string>();
  /** When it returns true for an action, that action fails as if the link dropped mid-flight. */
  failWhen: ((name: string, fields: AmiFields) => boolean) | undefined;
  /** When set, every action waits for the promise it returns before it is carried out. */
  holdWhen: ((name: string, fields: AmiFields) => Promise<void> | undefined) | undefined;

  start(): void {}
  async stop(): Promise<void> {
    this.state = 'end';
  }
  async action(name: string, fields: AmiFields = {}): Promise<AmiResult> {
    if (this.state !== 'ready') throw new PbxUnavailableError('ami', 'down', `AMI link is ${this.state}`);
    await this.holdWhen?.(name, fields);
    if (this.failWhen?.(name, fields)) throw new PbxUnavailableError('ami', 'lost', 'AMI link lost');
    this.sent.push({ name, fields });
    const path = `${String(fields.Family)}/${String(fields.Key)}`;
    const ok = (events: AmiResult['events'] = []): AmiResult => ({
      response: 'Success',
      message: undefined,
      fields: {},
      events,
    });
    switch (name) {
      case 'DBPut':
        this.db.set(path, String(fields.Val ?? ''));
        return ok();
      case 'DBDel':
        this.db.delete(path);
        return ok();
      case 'DBDelTree':
        for (const k of [...this.db.keys()]) if (k.startsWith(`${String(fields.Family)}/`)) this.db.delete(k);
        return ok();
      default:
        return ok();
    }
  }

  /** The values of one room, as the dialplan would read them. */
  room(ext: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.db) if (k.startsWith(`pms/${ext}/`)) out[k.slice(`pms/${ext}/`.length)] = v;
    return out;
  }
}
