// The socket pool of one AriHttp: a dedicated keep-alive agent with a bound, an idle timeout and a
// count of the sockets it opened. Kept apart from the request logic so each stays readable.
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';

export interface PoolStats {
  sockets: number;
  freeSockets: number;
  peakSockets: number;
}

export interface AriPool {
  readonly agent: http.Agent;
  /** http.request or https.request, matching the agent. */
  readonly request: typeof http.request;
  stats(): PoolStats;
  /** Closes every socket and opens no new one, even for requests still queued in the agent. */
  close(): void;
}

export function createPool(secure: boolean, maxSockets: number, idleSocketMs: number): AriPool {
  const options = {
    keepAlive: true,
    maxSockets,
    maxFreeSockets: maxSockets,
    // Node applies `timeout` to pooled sockets and destroys a free one when it fires.
    timeout: idleSocketMs,
    // Most recently used first: under light load the extra sockets go idle and expire.
    scheduling: 'lifo' as const,
  };
  const agent = secure ? new https.Agent(options) : new http.Agent(options);
  let closed = false;
  const counts = countSockets(agent, () => closed);
  return {
    agent,
    request: secure ? https.request : http.request,
    stats: () => ({
      sockets: countAll(agent.sockets),
      freeSockets: countAll(agent.freeSockets),
      peakSockets: counts.peak,
    }),
    close: () => {
      closed = true;
      agent.destroy();
    },
  };
}

/** Counts sockets as the agent creates them (for the peak open at once); refuses new ones once closed. */
function countSockets(agent: http.Agent, closed: () => boolean): { open: number; peak: number } {
  const counts = { open: 0, peak: 0 };
  const create = agent.createConnection.bind(agent);
  const seen = new WeakSet<Duplex>();
  const track = (socket: Duplex | null | undefined): void => {
    if (!socket || seen.has(socket)) return;
    seen.add(socket);
    counts.open += 1;
    counts.peak = Math.max(counts.peak, counts.open);
    socket.once('close', () => (counts.open -= 1));
  };
  // A connection may be handed back as the return value or through the callback.
  agent.createConnection = (options, callback) => {
    // agent.destroy() alone would open a new socket for each request still queued.
    if (closed() && callback) {
      process.nextTick(() => callback(new Error('ARI socket pool closed'), undefined as never));
      return undefined;
    }
    const socket = create(
      options,
      callback &&
        ((err, stream) => {
          track(stream);
          callback(err, stream);
        }),
    );
    track(socket);
    return socket;
  };
  return counts;
}

function countAll(sets: NodeJS.ReadOnlyDict<unknown[]>): number {
  return Object.values(sets).reduce((sum, list) => sum + (list?.length ?? 0), 0);
}
