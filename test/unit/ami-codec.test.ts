// The AMI wire format (src/pbx/ami/codec.ts), without a socket.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AmiMessageTooLarge,
  AmiReader,
  encodeAction,
  MAX_AMI_MESSAGE_BYTES,
} from '../../src/pbx/ami/codec.js';

const read = (...chunks: Array<string | Buffer>) => {
  const r = new AmiReader();
  return chunks.flatMap((c) => r.push(typeof c === 'string' ? Buffer.from(c) : c));
};

describe('AMI reader', { timeout: 10_000 }, () => {
  it('skips the greeting and reads messages up to the empty line, keys lower-cased', () => {
    assert.deepEqual(
      read('Asterisk Call Manager/9.0.0\r\nResponse: Success\r\nActionID: pms-1\r\nMessage: Pong\r\n\r\n'),
      [{ response: 'Success', actionid: 'pms-1', message: 'Pong' }],
    );
  });

  it('reads a message split anywhere, a UTF-8 character across chunks too', () => {
    const bytes = Buffer.from('Event: Newexten\r\nAppData: Größe 城\r\n\r\nEvent: FullyBooted\n\n');
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.deepEqual(read(bytes.subarray(0, cut), bytes.subarray(cut)), [
        { event: 'Newexten', appdata: 'Größe 城' },
        { event: 'FullyBooted' },
      ]);
    }
  });

  it('keeps a value as sent after ": ", colons and spaces in it included', () => {
    assert.deepEqual(read('Event: X\r\nValue: a: b  \r\nEmpty:\r\nNoSpace:v\r\n\r\n'), [
      { event: 'X', value: 'a: b  ', empty: '', nospace: 'v' },
    ]);
  });

  it('a repeated header becomes an array in order; Variable headers a map', () => {
    assert.deepEqual(
      read(
        'Event: UserEvent\r\nUserEvent: a\r\nUserEvent: b\r\nUserEvent: c\r\nVariable: A=1\r\nVariable: B=x=y\r\n\r\n',
      ),
      [{ event: 'UserEvent', userevent: ['a', 'b', 'c'], variable: { A: '1', B: 'x=y' } }],
    );
  });

  it('the greeting is skipped only before the first message; empty lines between messages are nothing', () => {
    assert.deepEqual(read('\r\n\r\nEvent: A\r\n\r\nAsterisk Call Manager: x\r\n\r\n'), [
      { event: 'A' },
      { 'asterisk call manager': 'x' },
    ]);
  });

  it("an old Asterisk's Response: Follows block is one message with its ActionID", () => {
    assert.deepEqual(
      read(
        'Response: Follows\r\nPrivilege: Command\r\nActionID: pms-7\r\nline 1\r\n\r\nline 3\r\n--END COMMAND--\r\n\r\nEvent: B\r\n\r\n',
      ),
      [
        {
          response: 'follows',
          actionid: 'pms-7',
          content:
            'Response: Follows\nPrivilege: Command\nActionID: pms-7\nline 1\n\nline 3\n--END COMMAND--',
        },
        { event: 'B' },
      ],
    );
  });

  it('refuses a message larger than any Asterisk sends, in one line or in many', () => {
    const r = new AmiReader();
    assert.throws(() => r.push(Buffer.alloc(MAX_AMI_MESSAGE_BYTES + 1, 0x61)), AmiMessageTooLarge);
    const many = new AmiReader();
    const line = Buffer.from(`H: ${'v'.repeat(1_000)}\r\n`);
    assert.throws(() => {
      for (let i = 0; i < (2 * MAX_AMI_MESSAGE_BYTES) / line.length; i++) many.push(line);
    }, AmiMessageTooLarge);
    const ok = new AmiReader();
    for (let i = 0; i < 10; i++) ok.push(Buffer.from(`Event: E\r\nH: ${'v'.repeat(1_000_000)}\r\n\r\n`));
  });
});

describe('AMI writer', () => {
  it('writes Action and ActionID first, then the fields, and an empty line', () => {
    assert.equal(
      encodeAction({ action: 'DBPut', actionid: 'pms-3', Family: 'pms', Key: '8001/name', Val: 'Li Lei' }),
      'Action: DBPut\r\nActionID: pms-3\r\nFamily: pms\r\nKey: 8001/name\r\nVal: Li Lei\r\n\r\n',
    );
  });
});
