// The *61 room-status code (src/fias/room-status.ts): the digits checked, RE|RN|RS|[ID] queued for the
// FIAS PMS, a confirmation or an error tone, and the call always hung up; other Stasis calls ignored.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoomStatusCode, ROOM_STATUS_ARG, roomStatusLine } from '../../src/fias/room-status.js';
import type { FiasRecord } from '../../src/fias/record.js';
import type { StasisStartEvent } from '../../src/pbx/ari/events.js';
import { captureLog } from './support/capture-log.js';

const T = { timeout: 10_000 };

function rig(o: { outbox?: boolean; addFails?: boolean } = {}) {
  const handlers: Array<(e: StasisStartEvent) => unknown> = [];
  const calls: string[] = [];
  const queued: FiasRecord[] = [];
  const rest = {
    channels: {
      answer: async ({ channelId }: { channelId: string }) => void calls.push(`answer ${channelId}`),
      play: async ({ channelId, media }: { channelId: string; media: string[] }) =>
        void calls.push(`play ${channelId} ${media.join(',') === 'sound:beep' ? 'confirm' : 'error'}`),
      hangup: async ({ channelId }: { channelId: string }) => void calls.push(`hangup ${channelId}`),
    },
  };
  const ari = {
    onEvent: (type: string, h: (e: StasisStartEvent) => unknown) => {
      assert.equal(type, 'StasisStart');
      handlers.push(h);
      return () => undefined;
    },
    client: () => rest,
  };
  const logs = captureLog();
  roomStatusLine({
    ari: ari as never,
    isRoom: (ext) => ['8001', '8002'].includes(ext),
    outbox:
      o.outbox === false
        ? undefined
        : {
            add: async (r: FiasRecord) => {
              if (o.addFails) throw new Error('database is reconnecting');
              queued.push(r);
              return true;
            },
          },
    log: logs.log,
    settleMs: 1,
    toneMs: 5,
  });
  const dial = async (args: string[], id = 'c1'): Promise<void> => {
    for (const h of handlers)
      await h({ type: 'StasisStart', args, channel: { id } } as unknown as StasisStartEvent);
  };
  const texts = (): string[] =>
    queued.map((r) => `${r.id}|${[...r.fields].map(([k, v]) => k + v + '|').join('')}`);
  return { dial, calls, texts, logs };
}

describe('room status (*61)', T, () => {
  it('parses <status>[<maid id>]', () => {
    assert.deepEqual(parseRoomStatusCode('3'), { status: 3 });
    assert.deepEqual(parseRoomStatusCode('6123'), { status: 6, maidId: '123' });
    for (const bad of ['', '7', '0', '10x', '3' + '1'.repeat(17), '3*1', 'a'])
      assert.equal(typeof parseRoomStatusCode(bad), 'string', bad);
  });

  it('a valid code queues RE RN RS [ID] and plays the confirmation; the call is hung up', async () => {
    const r = rig();
    await r.dial([ROOM_STATUS_ARG, '8001', '3']);
    await r.dial([ROOM_STATUS_ARG, '8002', '542'], 'c2');
    assert.deepEqual(r.texts(), ['RE|RN8001|RS3|', 'RE|RN8002|RS5|ID42|']);
    assert.deepEqual(r.calls, [
      'answer c1',
      'play c1 confirm',
      'hangup c1',
      'answer c2',
      'play c2 confirm',
      'hangup c2',
    ]);
  });

  it('a bad code, a phone that is not a room, no FIAS link, or an outbox that fails: the error tone, nothing queued', async () => {
    for (const [opts, args] of [
      [{}, [ROOM_STATUS_ARG, '8001', '7']],
      [{}, [ROOM_STATUS_ARG, '9999', '3']],
      [{}, [ROOM_STATUS_ARG, '80;01', '3']],
      [{ outbox: false }, [ROOM_STATUS_ARG, '8001', '3']],
      [{ addFails: true }, [ROOM_STATUS_ARG, '8001', '3']],
    ] as const) {
      const r = rig(opts);
      await r.dial([...args]);
      assert.deepEqual(r.texts(), [], JSON.stringify(args));
      assert.deepEqual(r.calls, ['answer c1', 'play c1 error', 'hangup c1'], JSON.stringify([opts, args]));
    }
  });

  it('other calls into the application (wake-ups) are not touched', async () => {
    const r = rig();
    await r.dial(['wakeup', '8001']);
    await r.dial([]);
    assert.deepEqual([r.calls, r.texts()], [[], []]);
  });
});
