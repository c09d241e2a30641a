// The lab's voicemail-spool reader (test/lab/spool.ts): a missing folder reads as empty only when the
// spool root exists, so a wrong path fails a "no messages" check instead of passing it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spoolEntries, spoolMessages } from '../lab/spool.js';

describe('lab voicemail spool reader', () => {
  it('lists messages; a missing mailbox folder under an existing spool is empty', async () => {
    const root = await mkdtemp(join(tmpdir(), 'spool-'));
    try {
      await mkdir(join(root, 'pms-vm', '8001', 'INBOX'), { recursive: true });
      await writeFile(join(root, 'pms-vm', '8001', 'INBOX', 'msg0000.wav'), '');
      await writeFile(join(root, 'pms-vm', '8001', 'INBOX', 'msg0000.txt'), '');
      assert.deepEqual(await spoolMessages(root, join(root, 'pms-vm', '8001', 'INBOX')), ['msg0000.wav']);
      assert.deepEqual(await spoolMessages(root, join(root, 'pms-vm', '8002', 'INBOX')), []);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a spool root that does not exist fails, never reads as "no messages"', async () => {
    const root = join(tmpdir(), `no-such-spool-${process.pid}`);
    await assert.rejects(spoolMessages(root, join(root, 'pms-vm', '8001', 'INBOX')), /does not exist/);
    await assert.rejects(spoolEntries(root, join(root, 'pms-vm-mwi')), /does not exist/);
  });

  it('a folder outside the spool is refused', async () => {
    await assert.rejects(spoolEntries('/var/spool/x', '/etc'), /not inside the spool/);
  });
});
