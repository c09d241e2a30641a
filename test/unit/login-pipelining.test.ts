// A client that pipelines its login guesses in one write: after the 5th failure the session must
// answer nothing more, so a 6th, 7th … or the right password is never checked (found by the server
// fuzz, seed 1: every queued guess was checked and the right one logged in before the close).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { FrameParser, serialize, type Frame } from '../../src/protocol/index.js';
import { ADMIN, startHarness, type Harness } from './support/harness.js';

describe('server fuzz findings', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('pipelined logins after the 5th failure are not checked (regression: they were, then the session closed)', async () => {
    const sock = connect({ port: h.port, host: '127.0.0.1' });
    sock.on('error', () => undefined);
    const replies: Frame[] = [];
    const parser = new FrameParser();
    sock.on('data', (chunk: Buffer) => {
      for (const r of parser.push(chunk)) if (r.ok) replies.push(r.frame);
    });
    const closed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the server did not close the connection')), 5_000);
      sock.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const login = (seq: string, password: string): Buffer =>
      serialize([
        ['Action', 'UserLogin'],
        ['SeqID', seq],
        ['CallMethod', 'Account'],
        ['User', ADMIN.user],
        ['Password', password],
      ]);
    const guesses = Array.from({ length: 7 }, (_, i) => login(`bad${i}`, `guess${i}`));
    sock.write(Buffer.concat([...guesses, login('right', ADMIN.password)]));
    await closed;
    assert.deepEqual(
      replies.map((r) => `${r.get('SeqID')} ${r.get('Response')}`),
      ['bad0 Error', 'bad1 Error', 'bad2 Error', 'bad3 Error', 'bad4 Error'],
    );
  });
});
