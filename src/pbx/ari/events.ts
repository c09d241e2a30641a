// ARI event shapes the engine relies on (Asterisk's ARI "Events" model), and the guarded dispatcher
// that hands them to subscribers. Only `type` is checked before dispatch; the rest is what Asterisk
// documents, so a handler that meets an unexpected shape fails inside its guard, not the process.
import type { Logger } from '../../log.js';

export interface AriEvent {
  type: string;
  application?: string;
  timestamp?: string;
  asterisk_id?: string;
  [field: string]: unknown;
}

export interface AriChannel {
  id: string;
  name: string;
  state: string;
  caller?: { name: string; number: string };
  connected?: { name: string; number: string };
  dialplan?: { context: string; exten: string; priority: number };
  [field: string]: unknown;
}

export interface AriPlayback {
  id: string;
  media_uri: string;
  target_uri: string;
  state: string;
  [field: string]: unknown;
}

export interface StasisStartEvent extends AriEvent {
  type: 'StasisStart';
  args: string[];
  channel: AriChannel;
}
export interface StasisEndEvent extends AriEvent {
  type: 'StasisEnd';
  channel: AriChannel;
}
export interface ChannelEvent extends AriEvent {
  channel: AriChannel;
}
export interface ChannelDestroyedEvent extends ChannelEvent {
  type: 'ChannelDestroyed';
  cause: number;
  cause_txt: string;
}
export interface ChannelDtmfReceivedEvent extends ChannelEvent {
  type: 'ChannelDtmfReceived';
  digit: string;
  duration_ms: number;
}
export interface PlaybackEvent extends AriEvent {
  type: 'PlaybackStarted' | 'PlaybackFinished';
  playback: AriPlayback;
}

/** Event types with a known shape; any other type name can be subscribed to as a plain AriEvent. */
export interface AriEventMap {
  StasisStart: StasisStartEvent;
  StasisEnd: StasisEndEvent;
  ChannelStateChange: ChannelEvent & { type: 'ChannelStateChange' };
  ChannelHangupRequest: ChannelEvent & { type: 'ChannelHangupRequest' };
  ChannelDestroyed: ChannelDestroyedEvent;
  ChannelDtmfReceived: ChannelDtmfReceivedEvent;
  PlaybackStarted: PlaybackEvent;
  PlaybackFinished: PlaybackEvent;
}

export type AriHandler<E extends AriEvent = AriEvent> = (event: E) => void | Promise<void>;

/** `*` receives every event. */
export const ANY_EVENT = '*';

export class AriDispatcher {
  readonly #handlers = new Map<string, Set<AriHandler>>();

  constructor(private readonly log: Logger) {}

  /** Subscribes; returns the function that unsubscribes. */
  on(type: string, handler: AriHandler): () => void {
    let set = this.#handlers.get(type);
    if (!set) this.#handlers.set(type, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.#handlers.get(type) === set) this.#handlers.delete(type);
    };
  }

  /**
   * Parses one WebSocket message and runs the handlers of its type, each in its own guard. Returns
   * the event when it was a well-formed event object, undefined when it was refused (bad JSON, no type).
   */
  dispatchRaw(raw: string): AriEvent | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      this.log.warn({ raw: raw.slice(0, 200) }, 'ARI message is not JSON; ignored');
      return undefined;
    }
    if (!isEvent(parsed)) {
      this.log.warn({ raw: raw.slice(0, 200) }, 'ARI message is not an event (no type); ignored');
      return undefined;
    }
    this.dispatch(parsed);
    return parsed;
  }

  dispatch(event: AriEvent): void {
    for (const type of [event.type, ANY_EVENT]) {
      for (const handler of [...(this.#handlers.get(type) ?? [])]) this.#run(handler, event);
    }
  }

  #run(handler: AriHandler, event: AriEvent): void {
    try {
      const result = handler(event);
      if (result && typeof result.then === 'function') {
        result.then(undefined, (err: unknown) => this.#failed(err, event));
      }
    } catch (err) {
      this.#failed(err, event);
    }
  }

  #failed(err: unknown, event: AriEvent): void {
    this.log.error({ err, eventType: event.type }, 'ARI event handler failed');
  }
}

function isEvent(value: unknown): value is AriEvent {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}
