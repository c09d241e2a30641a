import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AmiActionError, PbxUnavailableError } from '../../src/errors.js';
import { PendingActions } from '../../src/pbx/ami/pending.js';

test('a message without a known ActionID is not consumed', () => {
  const pending = new PendingActions();
  assert.equal(pending.handle({ event: 'FullyBooted' }), false);
  assert.equal(pending.handle({ response: 'Success', actionid: '1700000000000' }), false);
});

test('a list without EventList on its last event ends at the …Complete event', async () => {
  const pending = new PendingActions();
  const answer = pending.add('pms-1', 'Status', 1_000);
  pending.handle({ response: 'Success', actionid: 'pms-1', eventlist: 'start', message: 'will follow' });
  pending.handle({ event: 'Status', actionid: 'pms-1', channel: 'PJSIP/101-0001' });
  pending.handle({ event: 'StatusComplete', actionid: 'pms-1', items: '1' });
  const result = await answer;
  assert.equal(result.events.length, 1);
  assert.equal(pending.size, 0);
});

test('an event of an action not yet answered is left for the unsolicited stream', async () => {
  const pending = new PendingActions();
  const answer = pending.add('pms-1', 'Originate', 1_000);
  assert.equal(pending.handle({ event: 'OriginateResponse', actionid: 'pms-1' }), false);
  assert.equal(pending.handle({ response: 'Success', actionid: 'pms-1' }), true);
  assert.equal((await answer).events.length, 0);
  // After the answer, a later event with that ActionID is unsolicited too.
  assert.equal(pending.handle({ event: 'OriginateResponse', actionid: 'pms-1' }), false);
});

test('Response: Error of a list action rejects with AmiActionError', async () => {
  const pending = new PendingActions();
  const answer = pending.add('pms-1', 'DBGet', 1_000);
  pending.handle({ response: 'Error', actionid: 'pms-1', message: 'Database entry not found' });
  await assert.rejects(
    answer,
    (err: unknown) => err instanceof AmiActionError && err.amiMessage === 'Database entry not found',
  );
});

test('timeout removes the entry and calls onTimeout with the ActionID', async () => {
  const timedOut: string[] = [];
  const pending = new PendingActions((id) => timedOut.push(id));
  await assert.rejects(
    pending.add('pms-9', 'Ping', 20),
    (err: unknown) => err instanceof PbxUnavailableError && err.reason === 'timeout',
  );
  assert.equal(pending.size, 0);
  assert.deepEqual(timedOut, ['pms-9']);
});

test('rejectAll rejects every action in flight', async () => {
  const pending = new PendingActions();
  const answers = [pending.add('pms-1', 'A', 1_000), pending.add('pms-2', 'B', 1_000)];
  pending.rejectAll((action) => new PbxUnavailableError('ami', 'lost', `lost ${action}`));
  await assert.rejects(answers[0]!, /lost A/);
  await assert.rejects(answers[1]!, /lost B/);
  assert.equal(pending.size, 0);
});
