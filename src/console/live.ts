// Server-sent events to the open console pages: one stream per page, each event `event: <name>` with
// JSON data. A comment every 15 s keeps proxies from closing an idle stream. At most MAX_CLIENTS
// streams; a page whose socket stopped reading (more than MAX_BUFFERED bytes waiting) is dropped.
import type { ServerResponse } from 'node:http';

const MAX_CLIENTS = 100;
const MAX_BUFFERED = 1 << 20;
const KEEPALIVE_MS = 15_000;

export class LiveStreams {
  private readonly clients = new Set<ServerResponse>();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.write(': keepalive\n\n'), KEEPALIVE_MS).unref();
  }

  /** Takes over `res` as an event stream; false (and nothing written) when full. */
  open(res: ServerResponse): boolean {
    if (this.clients.size >= MAX_CLIENTS) return false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    return true;
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

  private write(chunk: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_BUFFERED) {
        res.destroy();
        this.clients.delete(res);
        continue;
      }
      res.write(chunk);
    }
  }
}
