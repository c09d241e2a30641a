// AMI against the real lab Asterisk 22: an AstDB round trip checked with the Asterisk CLI, and a
// `core restart now` survived without losing an action silently. Needs the lab (`lab/up.sh`); fails,
// never skips, without it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { PbxUnavailableError } from '../../src/errors.js';
import { AmiClient } from '../../src/pbx/ami/client.js';
import { AstDb } from '../../src/pbx/astdb.js';
import type { LinkState } from '../../src/pbx/types.js';
import { asteriskCli, labConfig, requireLab, waitForAsterisk } from '../lab/lab.js';
import { waitFor } from '../support/wait.js';

// A restart on a busy 2-core machine can take a while: deadlines are generous, waits are on events.
const CONNECT_DEADLINE = 20_000;
const RESTART_DEADLINE = 120_000;

const log = pino({ level: process.env.PMS_TEST_LOG ?? 'silent' });
const family = `pms-it-${process.pid}`;
let ami: AmiClient;

before(async () => {
  await requireLab();
  ami = new AmiClient(labConfig().ami, log);
  const ready = waitFor(ami, 'ready', CONNECT_DEADLINE);
  ami.start();
  await ready;
});

after(async () => {
  if (ami?.state === 'ready') await new AstDb(ami).delTree(family).catch(() => false);
  await ami?.stop();
});

test('AMI connects and a DBPut / DBGet / DBDel round trip works (checked with the Asterisk CLI)', async () => {
  const db = new AstDb(ami);
  const value = 'wake 07:00 room=101; ok';
  await db.put(family, 'room101', value);
  assert.equal(await db.get(family, 'room101'), value);
  assert.ok((await asteriskCli(`database get ${family} room101`)).includes(`Value: ${value}`));

  assert.equal(await db.del(family, 'room101'), true);
  assert.equal(await db.get(family, 'room101'), undefined);
  assert.match(await asteriskCli(`database get ${family} room101`), /not found/i);
  assert.equal(await db.del(family, 'room101'), false, 'deleting again: nothing deleted');
});

test('AMI survives `core restart now`: ready → reconnecting → ready, fails fast meanwhile, works after', async () => {
  const sequence: LinkState[] = [ami.state];
  ami.on('state', (state) => sequence.push(state));
  const db = new AstDb(ami);
  await db.put(family, 'before-restart', 'kept');

  const dropped = waitFor(ami, 'state', RESTART_DEADLINE, (s: LinkState) => s === 'reconnecting');
  const back = waitFor(ami, 'ready', RESTART_DEADLINE);
  // The CLI connection itself may be cut by the restart; the state events are what we check.
  const restart = asteriskCli('core restart now').catch((err: unknown) => String(err));
  await dropped;
  const droppedAt = performance.now();

  // During the outage an action is refused at once, not queued and not left hanging.
  const t0 = performance.now();
  await assert.rejects(ami.action('Ping'), (err: unknown) => {
    assert.ok(err instanceof PbxUnavailableError, String(err));
    assert.equal(err.link, 'ami');
    assert.equal(err.reason, 'down');
    return true;
  });
  const failFastMs = performance.now() - t0;
  assert.ok(failFastMs < 200, `refusal took ${failFastMs.toFixed(1)} ms`);

  await back;
  const reconnectMs = performance.now() - droppedAt;
  await restart;
  // The first action after `ready` succeeds, and AstDB survived the restart.
  assert.equal((await ami.action('Ping')).response, 'Success');
  assert.equal(await db.get(family, 'before-restart'), 'kept');
  assert.deepEqual(sequence, ['ready', 'reconnecting', 'ready']);
  console.log(
    `# AMI fail-fast during outage: ${failFastMs.toFixed(2)} ms; ready again ${Math.round(reconnectMs)} ms after the drop`,
  );

  // Leave the lab fully up for whatever runs next.
  await waitForAsterisk(RESTART_DEADLINE);
});
