// One wake-up call through ARI: originate to the room's phone into our Stasis application; when the
// guest answers (the channel enters Stasis) play the prompt, then hang up. The outcome is one of
// answered / busy / noanswer / failed, from Asterisk's hangup cause when it never answered.
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { AriClient } from '../pbx/ari/client.js';
import type { AriEvent } from '../pbx/ari/events.js';
import type { AttemptResult } from '../store/wakeups.js';
import { promptParts } from './strategy.js';

export interface CallRequest {
  extension: string;
  file: string;
  /** For the channel id and logs, e.g. `o12-a2`. */
  label: string;
}

export interface CallOutcome {
  result: AttemptResult;
  cause?: number;
  detail?: string;
  answeredAt?: number;
}

export interface WakeupCaller {
  /** Places one call; never rejects (a failure is an outcome). `onAnswered` runs when the guest answers. */
  call(req: CallRequest, onAnswered: (at: number) => void): Promise<CallOutcome>;
}

/** Q.850 causes of a call that never answered → our results. */
export function resultOfCause(cause: number): AttemptResult {
  if (cause === 17 || cause === 21) return 'busy'; // user busy; call rejected (the guest declined)
  if (cause === 18 || cause === 19 || cause === 16) return 'noanswer'; // 16: ring timeout of originate
  return 'failed';
}

type Waiter = (event: AriEvent) => void;

export class AriWakeupCaller implements WakeupCaller {
  /** Channel id or playback id → who waits for its events. */
  readonly #waiters = new Map<string, Waiter>();

  constructor(
    private readonly ari: AriClient,
    private readonly config: Config['wakeup'],
    private readonly app: string,
    private readonly log: Logger,
  ) {
    const route = (id: string | undefined, e: AriEvent): void => {
      if (id) this.#waiters.get(id)?.(e);
    };
    ari.onEvent('StasisStart', (e) => route(e.channel.id, e));
    ari.onEvent('ChannelDestroyed', (e) => route(e.channel.id, e));
    ari.onEvent('PlaybackFinished', (e) => route(e.playback.id, e));
    // A dropped link loses the events: every call in progress ends now as failed (and is retried).
    ari.on('state', (state) => {
      if (state !== 'reconnecting') return;
      for (const w of [...this.#waiters.values()]) w({ type: 'LinkLost' });
    });
  }

  async call(req: CallRequest, onAnswered: (at: number) => void): Promise<CallOutcome> {
    const channelId = `pms-wakeup-${req.label}-${randomUUID().slice(0, 8)}`;
    const { ringSeconds } = this.config;
    const first = this.#next(channelId, ringSeconds * 1000 + 15_000);
    try {
      const rest = this.ari.client();
      await rest.channels.originate({
        endpoint: this.config.dialString.replace('{ext}', req.extension),
        app: this.app,
        appArgs: 'wakeup',
        callerId: `"${this.config.callerIdName}" <${this.config.callerIdNumber}>`,
        timeout: ringSeconds,
        channelId,
      });
    } catch (err) {
      first.cancel();
      return { result: 'failed', detail: `originate failed: ${(err as Error).message}` };
    }
    const event = await first.event;
    if (event.type === 'ChannelDestroyed') {
      const cause = Number(event.cause);
      return { result: resultOfCause(cause), cause, detail: String(event.cause_txt ?? '') };
    }
    if (event.type !== 'StasisStart') {
      await this.#hangup(channelId);
      return { result: 'failed', detail: describe(event, ringSeconds) };
    }
    const answeredAt = Date.now();
    onAnswered(answeredAt);
    const detail = await this.#play(channelId, req.file);
    await this.#hangup(channelId);
    return { result: 'answered', answeredAt, detail };
  }

  /** Plays the prompt; resolves when it finished or the guest hung up. Returns a note for the record. */
  async #play(channelId: string, file: string): Promise<string> {
    const { base, format } = promptParts(file);
    const playbackId = `${channelId}-play`;
    const media = `sound:${this.config.asteriskPromptDir}/${format}/${base}`;
    // Either the playback ends or the channel goes (guest hung up): whichever comes first.
    const done = this.#race([playbackId, channelId], 10 * 60_000);
    try {
      await this.ari.client().channels.play({ channelId, media, playbackId });
    } catch (err) {
      done.cancel();
      this.log.warn({ channelId, media, err: (err as Error).message }, 'wake-up prompt could not be played');
      return `answered; prompt failed: ${(err as Error).message}`;
    }
    const event = await done.event;
    if (event.type === 'PlaybackFinished') return 'prompt played';
    if (event.type === 'ChannelDestroyed') return 'guest hung up during the prompt';
    return describe(event, 0);
  }

  async #hangup(channelId: string): Promise<void> {
    try {
      await this.ari.client().channels.hangup({ channelId });
    } catch {
      // Gone already (the guest hung up) or the link is down: nothing left to do.
    }
  }

  #next(id: string, timeoutMs: number): { event: Promise<AriEvent>; cancel(): void } {
    return this.#race([id], timeoutMs);
  }

  /** The first event for any of `ids` (or a timeout / link loss), with the waiters removed after. */
  #race(ids: string[], timeoutMs: number): { event: Promise<AriEvent>; cancel(): void } {
    let settle!: (e: AriEvent) => void;
    const event = new Promise<AriEvent>((resolve) => (settle = resolve));
    const timer = setTimeout(() => settle({ type: 'Timeout' }), timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      for (const id of ids) this.#waiters.delete(id);
    };
    for (const id of ids)
      this.#waiters.set(id, (e) => {
        cleanup();
        settle(e);
      });
    return { event, cancel: cleanup };
  }
}

function describe(event: AriEvent, ringSeconds: number): string {
  if (event.type === 'LinkLost') return 'ARI link lost during the call';
  if (event.type === 'Timeout')
    return ringSeconds
      ? `no answer or hang-up event within ${ringSeconds + 15} s`
      : 'prompt did not finish in time';
  return `unexpected ${event.type}`;
}
