// ARI against the real lab Asterisk 22: our Stasis application is registered, and registered again
// after `core restart now`. Needs the lab (`lab/up.sh`); fails, never skips, without it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { PbxUnavailableError } from '../../src/errors.js';
import { AriClient } from '../../src/pbx/ari/client.js';
import type { LinkState } from '../../src/pbx/types.js';
import { asteriskCli, labConfig, requireLab, waitForAsterisk } from '../lab/lab.js';
import { waitFor } from '../support/wait.js';

const CONNECT_DEADLINE = 20_000;
const RESTART_DEADLINE = 120_000;

const log = pino({ level: process.env.PMS_TEST_LOG ?? 'silent' });
// Our own app name: an engine or another test using the lab's default name keeps its registration.
const app = `pms-it-${process.pid}`;
let ari: AriClient;

before(async () => {
  await requireLab();
  ari = new AriClient(labConfig({ ari: { app } }).ari, log);
  const ready = waitFor(ari, 'ready', CONNECT_DEADLINE);
  ari.start();
  await ready;
});

after(async () => {
  await ari?.stop();
});

async function registeredApps(): Promise<string> {
  return asteriskCli('ari show apps');
}

test('ARI connects and our Stasis application is registered', async () => {
  assert.equal(ari.state, 'ready');
  assert.match(await registeredApps(), new RegExp(`^\\s*${app}\\s*$`, 'm'));
  const apps = await ari.client().applications.list();
  assert.ok(
    apps.some((a) => a.name === app),
    JSON.stringify(apps.map((a) => a.name)),
  );
});

test('ARI survives `core restart now`: ready → reconnecting → ready, and the app is registered again', async () => {
  const sequence: LinkState[] = [ari.state];
  ari.on('state', (state) => sequence.push(state));
  const dropped = waitFor(ari, 'state', RESTART_DEADLINE, (s: LinkState) => s === 'reconnecting');
  const back = waitFor(ari, 'ready', RESTART_DEADLINE);
  const restart = asteriskCli('core restart now').catch((err: unknown) => String(err));
  await dropped;
  const droppedAt = performance.now();

  assert.throws(
    () => ari.client(),
    (err: unknown) => err instanceof PbxUnavailableError && err.link === 'ari' && err.reason === 'down',
  );

  await back;
  const reconnectMs = performance.now() - droppedAt;
  await restart;
  assert.deepEqual(sequence, ['ready', 'reconnecting', 'ready']);
  assert.match(await registeredApps(), new RegExp(`^\\s*${app}\\s*$`, 'm'));
  const apps = await ari.client().applications.list();
  assert.ok(apps.some((a) => a.name === app));
  console.log(`# ARI ready again ${Math.round(reconnectMs)} ms after the drop`);

  await waitForAsterisk(RESTART_DEADLINE);
});
