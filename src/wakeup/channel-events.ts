// The ARI events of the wake-up channels, routed by channel: each call watches its own channel and
// waits for the next event it cares about, with a deadline. Events that arrive before anyone waits
// (a DTMF key pressed during the prompt, a hang-up right after the answer) are buffered, so nothing
// between two waits is lost.
import type { AriClient } from '../pbx/ari/client.js';
import type { AriEvent } from '../pbx/ari/events.js';

/** What a wait can end with besides an ARI event: its deadline, or the events link dropped. */
export type WatchEvent = AriEvent | { type: 'Timeout' } | { type: 'LinkLost' };

interface Watch {
  buffer: WatchEvent[];
  waiter: ((e: WatchEvent) => void) | undefined;
  ended: boolean;
}

export class ChannelEvents {
  readonly #watches = new Map<string, Watch>();

  constructor(ari: Pick<AriClient, 'onEvent' | 'on'>) {
    const byChannel = (e: AriEvent): void => this.#deliver((e.channel as { id?: string })?.id, e);
    for (const type of ['StasisStart', 'ChannelDestroyed', 'ChannelDtmfReceived'] as const)
      ari.onEvent(type, byChannel);
    // Playbacks name their channel as `channel:<id>`.
    const byPlayback = (e: AriEvent): void => {
      const target = String((e.playback as { target_uri?: string })?.target_uri ?? '');
      if (target.startsWith('channel:')) this.#deliver(target.slice('channel:'.length), e);
    };
    ari.onEvent('PlaybackFinished', byPlayback);
    // A dropped link loses events: every watcher hears of it at once instead of waiting it out.
    ari.on('state', (state) => {
      if (state === 'reconnecting')
        for (const id of this.#watches.keys()) this.#deliver(id, { type: 'LinkLost' });
    });
  }

  /** Starts buffering the events of `channelId`; call before the request that causes them. */
  watch(channelId: string): ChannelWatch {
    const watch: Watch = { buffer: [], waiter: undefined, ended: false };
    this.#watches.set(channelId, watch);
    return {
      next: (accept, timeoutMs) => this.#next(watch, accept, timeoutMs),
      ended: () => watch.ended,
      close: () => {
        if (this.#watches.get(channelId) === watch) this.#watches.delete(channelId);
      },
    };
  }

  get watching(): number {
    return this.#watches.size;
  }

  #deliver(id: string | undefined, e: WatchEvent): void {
    const watch = id === undefined ? undefined : this.#watches.get(id);
    if (!watch) return;
    if (e.type === 'ChannelDestroyed') watch.ended = true;
    if (watch.waiter) watch.waiter(e);
    else watch.buffer.push(e);
  }

  #next(watch: Watch, accept: (e: WatchEvent) => boolean, timeoutMs: number): Promise<WatchEvent> {
    // Buffered events the caller does not want are dropped, in order, like unheard ones.
    while (watch.buffer.length) {
      const e = watch.buffer.shift()!;
      if (accept(e) || isFinal(e)) return Promise.resolve(e);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        watch.waiter = undefined;
        resolve({ type: 'Timeout' });
      }, timeoutMs);
      watch.waiter = (e) => {
        if (!accept(e) && !isFinal(e)) return;
        clearTimeout(timer);
        watch.waiter = undefined;
        resolve(e);
      };
    });
  }
}

export interface ChannelWatch {
  /**
   * The next event `accept` takes, or the channel's end (ChannelDestroyed, LinkLost), or Timeout
   * after `timeoutMs`. Every wait has a deadline.
   */
  next(accept: (e: WatchEvent) => boolean, timeoutMs: number): Promise<WatchEvent>;
  /** Asterisk said the channel is gone (nothing left to hang up). */
  ended(): boolean;
  close(): void;
}

/** Events that end every wait: the channel is gone or we can no longer hear it. */
function isFinal(e: WatchEvent): boolean {
  return e.type === 'ChannelDestroyed' || e.type === 'LinkLost';
}
