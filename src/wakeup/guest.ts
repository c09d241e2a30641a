// The guest's side of an answered wake-up call: the prompt the PMS chose, then "press 1 to confirm,
// 2 to snooze" (keys configurable). A key pressed at any point counts, also during the prompt. No key
// is a confirmation by default (wakeup.noKeyConfirms). Keys arrive as ARI ChannelDtmfReceived events
// (RFC 4733 from the phone).
import type { Config } from '../config/index.js';
import type { AriRest } from '../pbx/ari/client.js';
import type { CallResult } from '../store/wakeup-records.js';
import type { WatchEvent, ChannelWatch } from './channel-events.js';
import { promptParts } from './strategy.js';

/** Prompts of sounds/ played around the PMS's own (same format as the PMS's file). */
export const PROMPTS = {
  confirm: 'pms-wakeup-confirm',
  confirmed: 'pms-wakeup-confirmed',
  snoozed: 'pms-wakeup-snoozed',
  alertRoom: 'pms-wakeup-alert-room',
  alertUnanswered: 'pms-wakeup-alert-unanswered',
} as const;

/** Longest a prompt may take to play before the call gives up on it. */
const PROMPT_DEADLINE_MS = 120_000;
const GOODBYE_DEADLINE_MS = 15_000;

export interface Talk {
  result: CallResult;
  detail: string;
  linkFault?: boolean;
}

type WakeupConfig = Pick<
  Config['wakeup'],
  'asteriskPromptDir' | 'confirmDigit' | 'snoozeDigit' | 'noKeyConfirms' | 'keyWaitSeconds'
>;

/** `sound:` URI of prompt `base` in `format` (one directory per format: see sounds/README.md). */
export function soundUri(
  config: Pick<WakeupConfig, 'asteriskPromptDir'>,
  format: string,
  base: string,
): string {
  return `sound:${config.asteriskPromptDir}/${format}/${base}`;
}

export async function converse(
  rest: AriRest,
  watch: ChannelWatch,
  channelId: string,
  file: string,
  config: WakeupConfig,
): Promise<Talk> {
  const { base, format } = promptParts(file);
  const uri = (name: string): string => soundUri(config, format, name);
  const isKey = (e: WatchEvent): boolean =>
    e.type === 'ChannelDtmfReceived' && [config.confirmDigit, config.snoozeDigit].includes(String(e.digit));
  const playbackId = `${channelId}-prompt`;
  await rest.channels.play({ channelId, media: [uri(base), uri(PROMPTS.confirm)], playbackId });
  let heard = await watch.next(
    (e) => isKey(e) || (e.type === 'PlaybackFinished' && playbackOf(e) === playbackId),
    PROMPT_DEADLINE_MS,
  );
  if (heard.type === 'PlaybackFinished') heard = await watch.next(isKey, config.keyWaitSeconds * 1000);
  if (heard.type === 'ChannelDtmfReceived') {
    await rest.playbacks.stop({ playbackId }).catch(() => undefined); // a key during the prompt
    const digit = String(heard.digit);
    const snooze = digit === config.snoozeDigit;
    await goodbye(rest, watch, channelId, uri(snooze ? PROMPTS.snoozed : PROMPTS.confirmed));
    return snooze
      ? { result: 'snoozed', detail: `snooze asked with key ${digit}` }
      : { result: 'answered', detail: `confirmed with key ${digit}` };
  }
  if (heard.type === 'LinkLost')
    return { result: 'failed', linkFault: true, detail: 'ARI link lost during the prompt' };
  const how = heard.type === 'ChannelDestroyed' ? 'hung up before any key' : 'no key pressed';
  return config.noKeyConfirms
    ? { result: 'answered', detail: `${how}: confirmed by default` }
    : { result: 'unconfirmed', detail: `${how}: not confirmed` };
}

/** The last words (thanks / see you shortly); the guest may hang up meanwhile. */
async function goodbye(rest: AriRest, watch: ChannelWatch, channelId: string, media: string): Promise<void> {
  const playbackId = `${channelId}-bye`;
  try {
    await rest.channels.play({ channelId, media, playbackId });
  } catch {
    return; // the guest hung up already: the choice is made, nothing left to say
  }
  await watch.next((e) => e.type === 'PlaybackFinished' && playbackOf(e) === playbackId, GOODBYE_DEADLINE_MS);
}

function playbackOf(e: WatchEvent): string | undefined {
  return (e as { playback?: { id?: string } }).playback?.id;
}
