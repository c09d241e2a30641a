// Waiting for an event with a deadline: tests never sleep for a fixed time where an event exists.
import type { EventEmitter } from 'node:events';

/** Resolves with the args of the first `event` from `emitter` that satisfies `predicate`, or rejects after `ms`. */
export function waitFor<T extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  ms: number,
  predicate: (...args: T) => boolean = () => true,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.removeListener(event, listener);
      reject(new Error(`timed out after ${ms} ms waiting for '${event}'`));
    }, ms);
    const listener = (...args: unknown[]): void => {
      if (!predicate(...(args as T))) return;
      clearTimeout(timer);
      emitter.removeListener(event, listener);
      resolve(args as T);
    };
    emitter.on(event, listener);
  });
}

/** `promise`, or a rejection naming `what` after `ms` (for promises that are not events, e.g. `c.closed`). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
