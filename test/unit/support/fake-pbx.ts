// A stand-in for the AMI link in unit tests of sessions and handlers: its state is set by the test,
// and while it is not ready every action fails at once, exactly as the real adapter promises.
import { EventEmitter } from 'node:events';
import { PbxUnavailableError } from '../../../src/errors.js';
import type { AmiFields, AmiLink, AmiLinkEvents, AmiResult, LinkState } from '../../../src/pbx/types.js';

export class FakeAmi extends EventEmitter<AmiLinkEvents> implements AmiLink {
  state: LinkState = 'ready';
  readonly sent: Array<{ name: string; fields: AmiFields }> = [];

  start(): void {}
  async stop(): Promise<void> {
    this.state = 'end';
  }
  async action(name: string, fields: AmiFields = {}): Promise<AmiResult> {
    if (this.state !== 'ready') throw new PbxUnavailableError('ami', 'down', `AMI link is ${this.state}`);
    this.sent.push({ name, fields });
    return { response: 'Success', message: undefined, fields: {}, events: [] };
  }
}
