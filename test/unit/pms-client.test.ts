// The tests' and tools' PMS client: a request whose connection closes fails at once, not at its
// timeout (the fault suite counts a command as hung only when it truly got no answer).
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { PmsClient } from '../../src/client/pms-client.js';

describe('PmsClient', { timeout: 10_000 }, () => {
  it('rejects a request in flight when the server closes the connection, and a request after it', async () => {
    const server = createServer((s: Socket) => s.once('data', () => s.destroy()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const c = await PmsClient.connect(port);
    const t0 = performance.now();
    await assert.rejects(
      c.call([['Action', 'Set']], 8_000),
      /connection closed before the reply to SeqID c1/,
    );
    assert.ok(performance.now() - t0 < 2_000, 'failed at the close, not at the 8 s timeout');
    await assert.rejects(c.call([['Action', 'Set']], 8_000), /connection closed/);
    server.close();
  });
});
