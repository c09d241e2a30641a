// The links as the console shows them: each one's state, since when and its last error, and the list
// of every change (seed 002's notice on every change, kept here as the event list, newest last).
import type { LinkChange, LinkName } from '../telemetry/bus.js';

const KEEP_EVENTS = 500;

export interface LinkStatus {
  readonly link: LinkName;
  readonly state: string;
  readonly since: number;
  readonly lastError: string | null;
  readonly lastErrorAt: number | null;
}

export interface ConsoleEvent {
  readonly id: number;
  readonly at: number;
  readonly kind: 'link' | 'session';
  readonly text: string;
  /** warn: a link left ready / ESTABLISHED; ok: it came back; info: anything else. */
  readonly level: 'ok' | 'warn' | 'info';
}

const UP = new Set(['ready', 'ESTABLISHED']);

export class LinkBoard {
  private readonly links = new Map<LinkName, LinkStatus>();
  private readonly events: ConsoleEvent[] = [];
  private nextId = 1;

  constructor(initial: ReadonlyArray<{ link: LinkName; state: string }>, now: number) {
    for (const l of initial) this.links.set(l.link, { ...l, since: now, lastError: null, lastErrorAt: null });
  }

  /** Records the change; returns the event raised for it. */
  change(c: LinkChange): ConsoleEvent {
    const before = this.links.get(c.link);
    const failed = !UP.has(c.to) && c.why !== undefined && c.why !== '';
    this.links.set(c.link, {
      link: c.link,
      state: c.to,
      since: c.at,
      lastError: failed ? c.why! : (before?.lastError ?? null),
      lastErrorAt: failed ? c.at : (before?.lastErrorAt ?? null),
    });
    const level = UP.has(c.to) ? 'ok' : UP.has(c.from) ? 'warn' : 'info';
    const why = c.why ? `: ${c.why}` : '';
    return this.add({ at: c.at, kind: 'link', level, text: `${label(c.link)} ${c.from} → ${c.to}${why}` });
  }

  add(e: Omit<ConsoleEvent, 'id'>): ConsoleEvent {
    const event = { ...e, id: this.nextId++ };
    this.events.push(event);
    if (this.events.length > KEEP_EVENTS) this.events.splice(0, this.events.length - KEEP_EVENTS);
    return event;
  }

  status(): LinkStatus[] {
    return [...this.links.values()];
  }

  recent(): ConsoleEvent[] {
    return [...this.events];
  }
}

export function label(link: LinkName): string {
  return { ami: 'AMI', ari: 'ARI', db: 'Database', fias: 'FIAS' }[link];
}
