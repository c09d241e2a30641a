// The AriRest operations over our own HTTP client, on ARI's paths as documented for Asterisk 22
// (https://docs.asterisk.org/Latest_API/API_Documentation/Asterisk_REST_Interface/).
import type { AriChannel, AriPlayback } from './events.js';
import type { AriHttp } from './http.js';
import type { AriApplication, AriRest } from './rest.js';

/** One path segment (an id or a name chosen elsewhere): never lets a `/` or `?` through. */
const seg = encodeURIComponent;

export function createAriRest(http: AriHttp): AriRest {
  return {
    applications: {
      list: () => http.request<AriApplication[]>('GET', '/applications'),
      get: ({ applicationName }) =>
        http.request<AriApplication>('GET', `/applications/${seg(applicationName)}`),
    },
    asterisk: {
      getInfo: (params = {}) =>
        http.request<Record<string, unknown>>('GET', '/asterisk/info', { query: { only: params.only } }),
    },
    channels: {
      list: () => http.request<AriChannel[]>('GET', '/channels'),
      get: ({ channelId }) => http.request<AriChannel>('GET', `/channels/${seg(channelId)}`),
      // Channel variables go in the JSON body: ARI takes `variables` only there.
      originate: ({ variables, ...query }) =>
        http.request<AriChannel>('POST', '/channels', {
          query,
          body: variables === undefined ? undefined : { variables },
        }),
      answer: async ({ channelId }) => {
        await http.request<void>('POST', `/channels/${seg(channelId)}/answer`);
      },
      hangup: async ({ channelId, reason }) => {
        await http.request<void>('DELETE', `/channels/${seg(channelId)}`, { query: { reason } });
      },
      // ARI plays a comma-separated list of media URIs one after the other.
      play: ({ channelId, media, lang, playbackId }) =>
        http.request<AriPlayback>('POST', `/channels/${seg(channelId)}/play`, {
          query: { media: Array.isArray(media) ? media.join(',') : media, lang, playbackId },
        }),
    },
    playbacks: {
      get: ({ playbackId }) => http.request<AriPlayback>('GET', `/playbacks/${seg(playbackId)}`),
      stop: async ({ playbackId }) => {
        await http.request<void>('DELETE', `/playbacks/${seg(playbackId)}`);
      },
    },
  };
}
