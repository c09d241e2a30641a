// One wake-up call through ARI: originate to the room's phone into our Stasis application; when the
// guest answers (the channel enters Stasis) the guest dialogue runs (prompt, confirm or snooze), then
// the call is hung up.
//
// Exactly once: the channel id is a pure function of the attempt (`channelIdOf`). Before placing,
// the caller asks Asterisk for that channel: if it is up (an engine killed mid-call, or a request
// whose answer was lost) the call is adopted, never placed twice.
//
// A failure of the engine's own link (ARI down, connection reset, deadline, 5xx) is a `linkFault`:
// the scheduler places the same attempt again within seconds and it is not the guest's attempt.
// Only busy, no answer and a real dial failure (the PBX refused the endpoint) count.
import type { Config } from '../config/index.js';
import { PbxUnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AriClient, AriRest } from '../pbx/ari/client.js';
import { AriHttpError } from '../pbx/ari/http.js';
import type { CallResult } from '../store/wakeup-records.js';
import type { ChannelEvents, ChannelWatch } from './channel-events.js';
import { converse } from './guest.js';

export const CHANNEL_PREFIX = 'pms-wakeup-';

export interface CallRequest {
  extension: string;
  file: string;
  /** Asterisk channel id of this attempt (channelIdOf). */
  channelId: string;
}

export interface CallOutcome {
  result: CallResult;
  /** The engine's own link failed: place the same attempt again, it does not count. */
  linkFault?: boolean;
  cause?: number;
  detail?: string;
  answeredAt?: number;
}

export interface WakeupCaller {
  /** Places (or adopts) one call; never rejects (a failure is an outcome). */
  call(req: CallRequest, onAnswered: (at: number) => void): Promise<CallOutcome>;
  /** Ids of the wake-up channels Asterisk has now; undefined while the PBX cannot be asked. */
  liveChannels?(): Promise<string[] | undefined>;
  /** Hangs up a channel left by a dead engine that no open attempt owns. */
  hangup?(channelId: string): Promise<void>;
}

/** The channel id of attempt `attempt` of an occurrence (created_at keeps ids unique across databases). */
export function channelIdOf(o: { id: number; createdAt: number }, attempt: number): string {
  return `${CHANNEL_PREFIX}o${o.id}-${o.createdAt.toString(36)}-a${attempt}`;
}

/** Q.850 causes of a call that never answered → our results. */
export function resultOfCause(cause: number): CallResult {
  if (cause === 17 || cause === 21) return 'busy'; // user busy; call rejected (the guest declined)
  if (cause === 18 || cause === 19 || cause === 16) return 'noanswer'; // 16: ring timeout of originate
  return 'failed';
}

/** Whether an ARI failure is the engine's link, not the PBX's verdict on the call. */
export function isLinkFault(err: unknown): boolean {
  if (err instanceof PbxUnavailableError) return true;
  if (!(err instanceof AriHttpError)) return false;
  // "Allocation failed" is Asterisk's 500 for an endpoint it cannot dial (phone not registered).
  if (err.status === 500 && /allocation failed/i.test(err.ariMessage ?? '')) return false;
  // `refused` also covers our own pool destroyed under the request (the link dropped).
  return err.transient || err.code === 'refused';
}

export class AriWakeupCaller implements WakeupCaller {
  constructor(
    private readonly ari: Pick<AriClient, 'client'>,
    private readonly events: ChannelEvents,
    private readonly config: Config['wakeup'],
    private readonly app: string,
    private readonly log: Logger,
  ) {}

  async call(req: CallRequest, onAnswered: (at: number) => void): Promise<CallOutcome> {
    const { channelId } = req;
    const watch = this.events.watch(channelId);
    try {
      const placed = await this.#place(req, watch);
      if ('result' in placed) return placed;
      const answeredAt = Date.now();
      onAnswered(answeredAt);
      const talk = await converse(this.#rest(), watch, channelId, req.file, this.config);
      if (!watch.ended()) await this.hangup(channelId);
      return { ...talk, answeredAt };
    } catch (err) {
      if (!watch.ended()) await this.hangup(channelId);
      const linkFault = isLinkFault(err);
      return { result: 'failed', linkFault, detail: `ARI: ${(err as Error).message}` };
    } finally {
      watch.close();
    }
  }

  async liveChannels(): Promise<string[] | undefined> {
    try {
      const all = await this.#rest().channels.list();
      // A Local channel's second leg is `<id>;2`: one call, one id.
      const ids = all.map((c) => c.id.split(';')[0]!).filter((id) => id.startsWith(CHANNEL_PREFIX));
      return [...new Set(ids)];
    } catch {
      return undefined;
    }
  }

  async hangup(channelId: string): Promise<void> {
    try {
      await this.#rest().channels.hangup({ channelId });
    } catch {
      // Gone already (the guest hung up) or the link is down: nothing left to do.
    }
  }

  /** Places or adopts the call; resolves when the guest answered, or with the outcome otherwise. */
  async #place(req: CallRequest, watch: ChannelWatch): Promise<{ answered: true } | CallOutcome> {
    const { channelId } = req;
    const ringMs = this.config.ringSeconds * 1000 + 15_000;
    let state = await this.#channelState(channelId);
    if (state === undefined) {
      try {
        await this.#rest().channels.originate({
          endpoint: this.config.dialString.replace('{ext}', req.extension),
          app: this.app,
          appArgs: 'wakeup',
          callerId: `"${this.config.callerIdName}" <${this.config.callerIdNumber}>`,
          timeout: this.config.ringSeconds,
          channelId,
          formats: this.config.formats,
        });
      } catch (err) {
        // 409: a channel with this id exists: a retried request whose first try went through.
        if (err instanceof AriHttpError && err.status === 409) state = 'Down';
        else if (!isLinkFault(err))
          return { result: 'failed', detail: `originate refused: ${(err as Error).message}` };
        // The answer was lost, not necessarily the request: look before anyone places it again.
        else state = await this.#channelState(channelId).catch(() => undefined);
        if (state === undefined) throw err;
      }
    } else this.log.warn({ channelId, state }, 'wake-up call already up in Asterisk: adopted');
    if (state === 'Up') return { answered: true };
    const first = await watch.next((e) => e.type === 'StasisStart', ringMs);
    if (first.type === 'StasisStart') return { answered: true };
    if (first.type === 'ChannelDestroyed') {
      const cause = Number(first.cause);
      return { result: resultOfCause(cause), cause, detail: String(first.cause_txt ?? '') };
    }
    // Left ringing: the same attempt placed again shortly finds it and adopts it.
    if (first.type === 'LinkLost')
      return { result: 'failed', linkFault: true, detail: 'ARI link lost while ringing' };
    await this.hangup(channelId);
    return { result: 'failed', detail: `no answer or hang-up event within ${ringMs / 1000} s` };
  }

  /** The channel's state in Asterisk, or undefined when it does not exist. */
  async #channelState(channelId: string): Promise<string | undefined> {
    try {
      return (await this.#rest().channels.get({ channelId })).state;
    } catch (err) {
      if (err instanceof AriHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  #rest(): AriRest {
    return this.ari.client();
  }
}
