// The links' state changes onto the telemetry bus: AMI, ARI and the database (their Link states, with
// the reason of a drop) and the FIAS link (seed 002's states, with the transition's cause). Returns the
// function that stops listening.
import type { LinkName, Telemetry } from './bus.js';

interface Watched {
  on(event: 'state', fn: (state: string, previous: string) => void): unknown;
  off(event: 'state', fn: (state: string, previous: string) => void): unknown;
  readonly lastReason: string | undefined;
}

interface FiasWatched {
  onStateChange(fn: (c: { from: string; to: string; why: string }) => void): () => void;
}

export function observeLinks(
  t: Telemetry,
  links: { ami: Watched; ari: Watched; db: Watched; fias?: FiasWatched },
  now: () => number = Date.now,
): () => void {
  const offs: Array<() => void> = [];
  for (const name of ['ami', 'ari', 'db'] as const satisfies readonly LinkName[]) {
    const link = links[name];
    const fn = (to: string, from: string): void =>
      t.tell('link', { link: name, from, to, at: now(), why: link.lastReason });
    link.on('state', fn);
    offs.push(() => link.off('state', fn));
  }
  if (links.fias)
    offs.push(links.fias.onStateChange((c) => t.tell('link', { link: 'fias', ...c, at: now() })));
  return () => offs.forEach((off) => off());
}
