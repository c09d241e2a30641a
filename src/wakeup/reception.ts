// What happens when a wake-up ends without the guest: reception is called and told "the wake-up call
// for room N was not answered", and every logged-in PMS session gets the result (our extension of
// seed 000, `CallMethod: WakeupResult`; ../shared/docs/pms-protocol.md). Both switchable off.
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { AriClient } from '../pbx/ari/client.js';
import type { Occurrence, OccurrenceState } from '../store/wakeup-records.js';
import type { FinalResult } from './scheduler.js';
import type { ChannelEvents } from './channel-events.js';
import { PROMPTS, soundUri } from './guest.js';
import { promptParts } from './strategy.js';

/** The PMS push of a wake-up's final result (seed 000 extension; documented in pms-protocol.md). */
export function wakeupResultFields(r: FinalResult): Array<[string, string]> {
  return [
    ['Phone', r.occurrence.extension],
    ['Date', r.occurrence.localDate],
    ['Time', r.occurrence.localStart],
    ['Result', r.state],
    ['Attempts', String(r.attempts)],
  ];
}

/** Final states that mean "the guest was not woken": reception must know. */
export function needsAlert(state: OccurrenceState): boolean {
  return state === 'busy' || state === 'noanswer' || state === 'failed' || state === 'missed';
}

export class ReceptionAlert {
  constructor(
    private readonly ari: Pick<AriClient, 'client'>,
    private readonly events: ChannelEvents,
    private readonly config: Config['wakeup'],
    private readonly app: string,
    private readonly log: Logger,
  ) {}

  /** Calls reception about `o`; resolves with how it went (for the log), never rejects. */
  async alert(o: Occurrence): Promise<string> {
    const ext = this.config.receptionExtension;
    if (!ext) return 'no reception extension configured';
    const channelId = `pms-wakeup-alert-o${o.id}-${o.createdAt.toString(36)}-${Date.now().toString(36)}`;
    const watch = this.events.watch(channelId);
    const ringMs = this.config.ringSeconds * 1000 + 15_000;
    try {
      const rest = this.ari.client();
      await rest.channels.originate({
        endpoint: this.config.receptionDialString.replace('{ext}', ext),
        app: this.app,
        appArgs: 'wakeup-alert',
        callerId: `"Wake-up ${o.extension}" <${this.config.callerIdNumber}>`,
        timeout: this.config.ringSeconds,
        channelId,
        formats: this.config.formats,
      });
      const answered = await watch.next((e) => e.type === 'StasisStart', ringMs);
      if (answered.type !== 'StasisStart') return `reception did not answer (${answered.type})`;
      const { format } = promptParts(o.file);
      const playbackId = `${channelId}-play`;
      await rest.channels.play({
        channelId,
        playbackId,
        media: [
          soundUri(this.config, format, PROMPTS.alertRoom),
          `digits:${o.extension}`,
          soundUri(this.config, format, PROMPTS.alertUnanswered),
        ],
      });
      const done = await watch.next((e) => e.type === 'PlaybackFinished', 60_000);
      return done.type === 'PlaybackFinished' ? 'reception told' : `alert cut short (${done.type})`;
    } catch (err) {
      this.log.warn({ channelId, err: (err as Error).message }, 'reception alert call failed');
      return `alert call failed: ${(err as Error).message}`;
    } finally {
      watch.close();
      await Promise.resolve()
        .then(() => this.ari.client().channels.hangup({ channelId }))
        .catch(() => undefined);
    }
  }
}
