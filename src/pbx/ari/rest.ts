// Types for the ARI REST operations the engine calls (rest-http.ts implements them).
import type { AriChannel, AriPlayback } from './events.js';

type Params = Record<string, unknown>;

/**
 * The ARI REST operations the engine calls, typed after ARI's own API description (parameter names
 * as in Asterisk's ARI documentation). Add more as they are needed.
 */
export interface AriRest {
  applications: {
    list(): Promise<AriApplication[]>;
    get(params: { applicationName: string }): Promise<AriApplication>;
  };
  asterisk: { getInfo(params?: { only?: string }): Promise<Params> };
  channels: {
    list(): Promise<AriChannel[]>;
    get(params: { channelId: string }): Promise<AriChannel>;
    originate(params: {
      endpoint: string;
      app?: string;
      appArgs?: string;
      callerId?: string;
      timeout?: number;
      channelId?: string;
      /** Codecs of the new channel when nothing else decides them (a Local channel), e.g. `ulaw,gsm`. */
      formats?: string;
      variables?: Record<string, string>;
    }): Promise<AriChannel>;
    answer(params: { channelId: string }): Promise<void>;
    hangup(params: { channelId: string; reason?: string }): Promise<void>;
    play(params: {
      channelId: string;
      media: string | string[];
      lang?: string;
      playbackId?: string;
    }): Promise<AriPlayback>;
  };
  playbacks: {
    get(params: { playbackId: string }): Promise<AriPlayback>;
    stop(params: { playbackId: string }): Promise<void>;
  };
}

export interface AriApplication {
  name: string;
  channel_ids: string[];
  bridge_ids: string[];
  endpoint_ids: string[];
  device_names: string[];
  [field: string]: unknown;
}
