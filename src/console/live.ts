// Server-sent events to the open console pages: one stream per page, each event `event: <name>` with
// JSON data. A comment every 15 s keeps proxies from closing an idle stream; a stream whose login has
// ended (logout, expiry) is closed then, and at once by end(). At most MAX_CLIENTS streams; a page
// whose socket stopped reading (more than MAX_BUFFERED bytes waiting) is dropped.
import type { ServerResponse } from 'node:http';

const MAX_CLIENTS = 100;
const MAX_BUFFERED = 1 << 20;
const KEEPALIVE_MS = 15_000;

export class LiveStreams {
  private readonly clients = new Set<ServerResponse>();
  /** Whether each stream's login still holds. */
  private readonly alive = new Map<ServerResponse, () => boolean>();
  private readonly timer: NodeJS.Timeout;

  constructor(keepaliveMs = KEEPALIVE_MS) {
    this.timer = setInterval(() => {
      for (const [res, ok] of this.alive) if (!ok()) this.drop(res);
      this.write(': keepalive\n\n');
    }, keepaliveMs).unref();
  }

  /** Takes over `res` as an event stream while `alive()` holds; false (nothing written) when full. */
  open(res: ServerResponse, alive: () => boolean): boolean {
    if (this.clients.size >= MAX_CLIENTS) return false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    this.alive.set(res, alive);
    res.on('close', () => {
      this.clients.delete(res);
      this.alive.delete(res);
    });
    return true;
  }

  /** Closes the streams whose login has ended (a logout). */
  end(): void {
    for (const [res, ok] of this.alive) if (!ok()) this.drop(res);
  }

  send(event: string, data: unknown): void {
    if (this.clients.size) this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  get size(): number {
    return this.clients.size;
  }

  close(): void {
    clearInterval(this.timer);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private drop(res: ServerResponse): void {
    this.clients.delete(res);
    this.alive.delete(res);
    res.end();
  }

  private write(chunk: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_BUFFERED) {
        res.destroy();
        this.clients.delete(res);
        this.alive.delete(res);
        continue;
      }
      res.write(chunk);
    }
  }
}
