// The PMS conversation the console shows: the last N frames in and out of each PMS session (its
// heartbeats left out, counted in the session list instead), passwords already masked by the server.
// A closed session's frames stay until KEEP_CLOSED newer sessions have closed.
import type { FrameRecord } from '../telemetry/bus.js';

const KEEP_CLOSED = 20;

export class Conversation {
  private readonly bySession = new Map<string, FrameRecord[]>();
  private readonly closed: string[] = [];

  constructor(private readonly perSession: number) {}

  add(f: FrameRecord): void {
    let list = this.bySession.get(f.session);
    if (!list) this.bySession.set(f.session, (list = []));
    list.push(f);
    if (list.length > this.perSession) list.splice(0, list.length - this.perSession);
  }

  ended(session: string): void {
    if (!this.bySession.has(session) || this.closed.includes(session)) return;
    this.closed.push(session);
    while (this.closed.length > KEEP_CLOSED) this.bySession.delete(this.closed.shift()!);
  }

  /** Every kept session's frames, oldest first. */
  all(): Array<{ session: string; closed: boolean; frames: FrameRecord[] }> {
    return [...this.bySession].map(([session, frames]) => ({
      session,
      closed: this.closed.includes(session),
      frames,
    }));
  }
}
