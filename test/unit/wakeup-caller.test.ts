// The wake-up caller against a scripted ARI: what counts as the guest's attempt and what is the
// engine's own fault, adoption of a call already up (exactly once), and the guest's keys.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { silentLogger } from '../../src/log.js';
import type { AriEvent } from '../../src/pbx/ari/events.js';
import { AriHttpError } from '../../src/pbx/ari/http.js';
import type { AriRest } from '../../src/pbx/ari/rest.js';
import { labConfig } from '../lab/lab.js';
import { AriWakeupCaller, type CallOutcome } from '../../src/wakeup/caller.js';
import { ChannelEvents } from '../../src/wakeup/channel-events.js';

const ID = 'pms-wakeup-o1-abc-a1';
const WAKEUP = { ...labConfig().wakeup, ringSeconds: 5, keyWaitSeconds: 1 };

/** An ARI whose REST answers the test scripts, and whose events the test sends. */
class FakeAri extends EventEmitter {
  readonly calls: string[] = [];
  readonly handlers = new Map<string, Array<(e: AriEvent) => void>>();
  channelState: string | undefined; // what GET /channels/{id} finds
  originate: () => Promise<unknown> = () => Promise.resolve({ id: ID });
  onPlay: (media: string | string[]) => void = () => undefined;

  onEvent(type: string, h: (e: AriEvent) => void): () => void {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), h]);
    return () => undefined;
  }

  send(e: AriEvent): void {
    for (const h of this.handlers.get(e.type) ?? []) h(e);
  }

  client(): AriRest {
    const notFound = (path: string): AriHttpError =>
      new AriHttpError('http', 'GET', path, {
        status: 404,
        transient: false,
        ariMessage: 'Channel not found',
        reason: 'HTTP 404',
      });
    const rest = {
      channels: {
        get: async ({ channelId }: { channelId: string }) => {
          this.calls.push('get');
          if (this.channelState === undefined) throw notFound(`/channels/${channelId}`);
          return { id: channelId, name: 'PJSIP/8001-1', state: this.channelState };
        },
        originate: async () => {
          this.calls.push('originate');
          return this.originate();
        },
        play: async ({ media, playbackId }: { media: string | string[]; playbackId?: string }) => {
          this.calls.push(
            `play ${String(media).includes('confirmed') ? 'confirmed' : String(media).includes('snoozed') ? 'snoozed' : 'prompt'}`,
          );
          this.onPlay(media);
          return { id: playbackId };
        },
        hangup: async () => {
          this.calls.push('hangup');
        },
        list: async () => [],
      },
      playbacks: { stop: async () => void this.calls.push('stop') },
    };
    return rest as unknown as AriRest;
  }
}

function caller(ari: FakeAri, config = WAKEUP): AriWakeupCaller {
  return new AriWakeupCaller(
    ari,
    new ChannelEvents(ari as unknown as ConstructorParameters<typeof ChannelEvents>[0]),
    config,
    'pms-test',
    silentLogger(),
  );
}

const call = (ari: FakeAri, config = WAKEUP): Promise<CallOutcome> =>
  caller(ari, config).call({ extension: '8001', file: 'fpm-world-mix.gsm', channelId: ID }, () => undefined);

const stasisStart = (): AriEvent => ({
  type: 'StasisStart',
  channel: { id: ID, name: 'x', state: 'Up' },
  args: [],
});
const dtmf = (digit: string): AriEvent => ({
  type: 'ChannelDtmfReceived',
  digit,
  channel: { id: ID, name: 'x', state: 'Up' },
});
const finished = (id: string): AriEvent => ({
  type: 'PlaybackFinished',
  playback: { id, target_uri: `channel:${ID}` },
});
const transient = (): AriHttpError =>
  new AriHttpError('reset', 'POST', '/channels', { transient: true, reason: 'ECONNRESET socket hang up' });

describe('wake-up caller', { timeout: 20_000 }, () => {
  it("a reset originate with no channel in Asterisk is an engine fault, not the guest's attempt", async () => {
    const ari = new FakeAri();
    ari.originate = () => Promise.reject(transient());
    const out = await call(ari);
    assert.equal(out.linkFault, true);
    assert.deepEqual(ari.calls.slice(0, 3), ['get', 'originate', 'get'], 'looked again before giving up');
  });

  it("'Allocation failed' (the endpoint cannot be dialled) is a real dial failure: counts", async () => {
    const ari = new FakeAri();
    ari.originate = () =>
      Promise.reject(
        new AriHttpError('http', 'POST', '/channels', {
          status: 500,
          transient: true,
          ariMessage: 'Allocation failed',
          reason: 'HTTP 500',
        }),
      );
    const out = await call(ari);
    assert.equal(out.result, 'failed');
    assert.ok(!out.linkFault);
  });

  it('a call already up in Asterisk (a dead engine placed it) is adopted, never placed again', async () => {
    const ari = new FakeAri();
    ari.channelState = 'Ringing';
    const done = call(ari);
    await new Promise((r) => setImmediate(r));
    ari.send({
      type: 'ChannelDestroyed',
      cause: 19,
      cause_txt: 'No answer',
      channel: { id: ID, name: 'x', state: 'Ringing' },
    });
    const out = await done;
    assert.equal(out.result, 'noanswer');
    assert.ok(!ari.calls.includes('originate'), ari.calls.join(','));
  });

  it('409 on originate (a retried request whose first try went through) adopts the call', async () => {
    const ari = new FakeAri();
    ari.originate = () =>
      Promise.reject(
        new AriHttpError('http', 'POST', '/channels', { status: 409, transient: false, reason: 'HTTP 409' }),
      );
    ari.onPlay = () => setImmediate(() => ari.send(dtmf('1')));
    const done = call(ari);
    await new Promise((r) => setImmediate(r));
    ari.send(stasisStart());
    const out = await done;
    assert.equal(out.result, 'answered');
    assert.equal(ari.calls.filter((c) => c === 'originate').length, 1);
  });

  it('key 1 during the prompt confirms: the prompt stops, "thank you", hang-up', async () => {
    const ari = new FakeAri();
    let plays = 0;
    ari.onPlay = () => {
      plays++;
      setImmediate(() => ari.send(plays === 1 ? dtmf('1') : finished(`${ID}-bye`)));
    };
    const done = call(ari);
    await new Promise((r) => setImmediate(r));
    ari.send(stasisStart());
    const out = await done;
    assert.deepEqual([out.result, out.detail], ['answered', 'confirmed with key 1']);
    assert.deepEqual(ari.calls.slice(-4), ['play prompt', 'stop', 'play confirmed', 'hangup']);
  });

  it('key 2 snoozes; other keys are ignored', async () => {
    const ari = new FakeAri();
    let plays = 0;
    ari.onPlay = () => {
      plays++;
      if (plays === 1)
        setImmediate(() => {
          ari.send(dtmf('7'));
          ari.send(dtmf('2'));
        });
      else setImmediate(() => ari.send(finished(`${ID}-bye`)));
    };
    const done = call(ari);
    await new Promise((r) => setImmediate(r));
    ari.send(stasisStart());
    const out = await done;
    assert.deepEqual([out.result, out.detail], ['snoozed', 'snooze asked with key 2']);
    assert.ok(ari.calls.includes('play snoozed'));
  });

  it('no key: confirmed by default, or not (wakeup.noKeyConfirms false)', async () => {
    for (const noKeyConfirms of [true, false]) {
      const ari = new FakeAri();
      ari.onPlay = () => setImmediate(() => ari.send(finished(`${ID}-prompt`)));
      const done = call(ari, { ...WAKEUP, noKeyConfirms });
      await new Promise((r) => setImmediate(r));
      ari.send(stasisStart());
      const out = await done;
      assert.equal(out.result, noKeyConfirms ? 'answered' : 'unconfirmed');
      assert.match(out.detail ?? '', /no key pressed/);
    }
  });

  it('the guest hangs up during the prompt: confirmed by default, and the gone channel is not hung up again', async () => {
    const ari = new FakeAri();
    ari.onPlay = () =>
      setImmediate(() =>
        ari.send({
          type: 'ChannelDestroyed',
          cause: 16,
          cause_txt: 'Normal Clearing',
          channel: { id: ID, name: 'x', state: 'Up' },
        }),
      );
    const done = call(ari);
    await new Promise((r) => setImmediate(r));
    ari.send(stasisStart());
    const out = await done;
    assert.deepEqual([out.result, out.detail], ['answered', 'hung up before any key: confirmed by default']);
    assert.ok(!ari.calls.includes('hangup'), ari.calls.join(','));
  });

  it('the events link lost while ringing is an engine fault (the next try adopts the call)', async () => {
    const ari = new FakeAri();
    const done = call(ari);
    await new Promise((r) => setImmediate(r));
    ari.emit('state', 'reconnecting');
    const out = await done;
    assert.equal(out.linkFault, true);
  });
});
