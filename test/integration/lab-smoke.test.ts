// The lab itself works: phones register, Asterisk plays prompts, connects rooms and refuses unknown
// numbers. When this fails, every other integration test would fail for the lab's sake.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { asteriskCli, requireLab } from '../lab/lab.js';
import { phone, type Phone } from '../lab/phone.js';

let p8001: Phone;
let p8002: Phone;

before(async () => {
  await requireLab();
  p8001 = phone('8001');
  p8002 = phone('8002');
  await Promise.all([p8001.ready(), p8002.ready()]);
});

after(() => {
  p8001?.close();
  p8002?.close();
});

test('8001 dialling the test number 600 hears the prompt', async () => {
  // 600 plays a prompt for about 5 s, then Asterisk hangs up: the phone stays on the line until then.
  const call = await p8001.dial('600', { holdMs: 15_000 });
  assert.equal(call.established, true, `not established: ${call.closedReason}`);
  const rec = await p8001.lastRecording();
  assert.ok(rec.seconds > 2, `recording ${rec.file} lasts ${rec.seconds} s`);
  assert.ok(rec.rms > 0.005, `recording ${rec.file} is silent (RMS ${rec.rms})`);
});

test('8001 dialling room 8002 rings it and the auto-answering phone picks up', async () => {
  const call = await p8001.dial('8002', { holdMs: 500 });
  assert.equal(call.established, true, `not established: ${call.closedReason}`);
  const incoming = await p8002.waitForEvent('CALL_INCOMING', 5_000);
  assert.match(incoming.peerUri ?? '', /^sip:8001@/);
  await p8002.waitForEvent('CALL_ESTABLISHED', 5_000);
});

test('a number that does not exist is refused', async () => {
  const call = await p8001.dial('8999', { timeoutMs: 10_000 });
  assert.equal(call.established, false);
  assert.match(call.closedReason, /404|not found/i);
});

test('the Asterisk CLI answers', async () => {
  const out = await asteriskCli('database show');
  assert.match(out, /results? found/);
});
