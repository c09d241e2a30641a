// One request whose connection the server may close instead of answering (a refusal, a lockout).
import type { PmsClient } from '../../../src/client/pms-client.js';
import type { FieldList, Frame } from '../../../src/protocol/index.js';

/** The reply, or undefined when the connection closed first; a timeout still rejects. */
export async function replyOrClosed(
  c: PmsClient,
  fields: FieldList,
  timeoutMs?: number,
): Promise<Frame | undefined> {
  try {
    return await c.call(fields, timeoutMs);
  } catch (err) {
    // PmsClient fails a request at once when its connection closes; that is the answer here.
    if (c.socket.destroyed || c.socket.readyState === 'closed') return undefined;
    throw err;
  }
}
