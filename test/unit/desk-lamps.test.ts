// The front-desk lamp (src/voicemail/desk-lamps.ts) without Asterisk: the marker in the room's desk
// mailbox follows the store, Asterisk is refreshed only when the spool changed, a resync aligns every
// room with one refresh, check-out and room change carry it, and an AMI failure is logged, not thrown.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeskLamps } from '../../src/voicemail/desk-lamps.js';
import { Spool } from '../../src/voicemail/spool.js';
import { captureLog } from './support/capture-log.js';
import { FakeAmi } from './support/fake-pbx.js';
import { MemoryFiasLamps } from './support/fias-memory.js';

const T = { timeout: 10_000 };
const ROOMS = ['8001', '8002', '8003'];

describe('front-desk lamps', T, () => {
  let dir: string;
  let ami: FakeAmi;
  let lamps: MemoryFiasLamps;
  let desk: DeskLamps;
  let log: ReturnType<typeof captureLog>;
  const marker = (room: string): string => join(dir, 'pms-desk', room, 'INBOX', 'msg0000.txt');
  const exists = (p: string): Promise<boolean> =>
    access(p).then(
      () => true,
      () => false,
    );
  const refreshes = (): Array<Record<string, unknown>> =>
    ami.sent.filter((s) => s.name === 'VoicemailRefresh').map((s) => s.fields);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pms-desk-'));
    ami = new FakeAmi();
    lamps = new MemoryFiasLamps();
    log = captureLog();
    desk = new DeskLamps({
      spool: new Spool(dir),
      ami,
      context: 'pms-desk',
      lamps,
      rooms: ROOMS,
      log: log.log,
      now: () => new Date('2026-12-04T19:30:00Z'),
    });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('lamp on: one marker app_voicemail counts, one refresh of that mailbox; again: nothing', async () => {
    await lamps.set('8001', true, undefined);
    await desk.show('8001');
    const text = await readFile(marker('8001'), 'utf8');
    assert.match(text, /^\[message\]$/m);
    assert.match(text, /^origmailbox=8001$/m);
    assert.match(text, /^context=pms-desk$/m);
    assert.match(text, /^origtime=1796412600$/m);
    assert.deepEqual(refreshes(), [{ Context: 'pms-desk', Mailbox: '8001' }]);
    await desk.show('8001');
    assert.equal(refreshes().length, 1, 'unchanged: no refresh');
  });

  it('lamp off: the mailbox emptied and refreshed, so Asterisk publishes 0 and the lamp goes out', async () => {
    await lamps.set('8002', true, undefined);
    await desk.show('8002');
    await lamps.set('8002', false, undefined);
    await desk.show('8002');
    assert.equal(await exists(join(dir, 'pms-desk', '8002')), false);
    assert.deepEqual(refreshes().at(-1), { Context: 'pms-desk', Mailbox: '8002' });
    assert.equal(refreshes().length, 2);
  });

  it('shows in turn, the last show is the last commit, whatever order the calls overlap in', async () => {
    const shows: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      await lamps.set('8001', i % 2 === 0, undefined);
      shows.push(desk.show('8001'));
    }
    await Promise.all(shows);
    assert.equal(await exists(marker('8001')), false, 'the last change (i = 19) turned it off');
  });

  it('resync: every room as the store says (stray markers removed), one refresh of the whole context', async () => {
    await lamps.set('8003', true, undefined);
    await lamps.set('8001', true, undefined);
    await desk.show('8002'); // off: nothing written
    await lamps.set('8002', true, undefined);
    await desk.show('8002');
    await lamps.set('8002', false, undefined); // committed while AMI was away: not shown yet
    ami.sent.length = 0;
    assert.deepEqual(await desk.resync(), { lit: 2, changed: 3 });
    assert.deepEqual(await readdir(join(dir, 'pms-desk')), ['8001', '8003']);
    assert.deepEqual(refreshes(), [{ Context: 'pms-desk' }]);
  });

  it('check-out and room change: the hooks show both rooms from the store', async () => {
    await lamps.set('8001', true, undefined);
    await desk.show('8001');
    await lamps.moveRoom('8001', '8003');
    await desk.hooks().afterMove!('8001', '8003');
    assert.deepEqual(await readdir(join(dir, 'pms-desk')), ['8003']);
    await lamps.set('8003', false, undefined);
    await desk.hooks().afterClean!('8003');
    assert.deepEqual(await readdir(join(dir, 'pms-desk')), []);
  });

  it('AMI away: the spool follows the store, the error is logged, show() does not throw', async () => {
    ami.state = 'connecting';
    await lamps.set('8001', true, undefined);
    await desk.show('8001');
    assert.equal(await exists(marker('8001')), true);
    assert.ok(log.withMsg('front-desk lamp not shown').some((l) => l.room === '8001'));
  });

  it('a room that is no extension never reaches the spool', async () => {
    await lamps.set('../etc', true, undefined);
    await desk.show('../etc');
    assert.deepEqual(await readdir(dir), []);
    assert.ok(log.withMsg('front-desk lamp not shown').length === 1);
  });
});
