// Our DR ("Database Synchronization"): the engine asks the PMS for a database resync only after a
// local data loss, never periodically. A loss is a room table that was empty when the store first
// opened in this process (a new database, or one restored empty; roomsEmptyAtStart, read before any
// record of the PMS could write a room): the PMS then sends every guest in house between DS and DE.
// Asked once per process, at the first ESTABLISHED, once the store has answered (the link is often
// up before the database). A check that fails is tried again every `retryMs` while the link stays
// ESTABLISHED, and at the next ESTABLISHED.
import type { Logger } from '../log.js';
import type { FiasLinkChange } from './link-states.js';

export interface DataLossLink {
  onStateChange(listener: (c: FiasLinkChange) => void): () => void;
  readonly link: { readonly state: string; requestResync(): void; canSendData(): boolean };
}

/** Watches `wire` for its first ESTABLISHED; returns the function that stops watching. */
export function resyncAfterDataLoss(
  wire: DataLossLink,
  storeIsEmpty: () => Promise<boolean>,
  log: Logger,
  retryMs = 5_000,
): () => void {
  let checking = false;
  let done = false;
  let timer: NodeJS.Timeout | undefined;

  const check = (): void => {
    checking = true;
    storeIsEmpty().then(
      (empty) => {
        if (done) return;
        finish();
        if (!empty) return log.debug('FIAS: the room table holds rooms, no DR');
        if (!wire.link.canSendData())
          return log.warn('FIAS: the room table is empty but the link cannot send now: no DR');
        log.warn('FIAS: the room table is empty (a new or lost database): asking the PMS to resync (DR)');
        wire.link.requestResync();
      },
      (err: unknown) => {
        checking = false;
        if (done) return;
        log.warn({ err }, 'FIAS: cannot tell whether the room table is empty yet; checking again');
        if (wire.link.state === 'ESTABLISHED') {
          timer = setTimeout(check, retryMs);
          timer.unref();
        }
      },
    );
  };
  const unsubscribe = wire.onStateChange((c) => {
    if (c.to === 'ESTABLISHED' && !checking && !done) check();
  });
  const finish = (): void => {
    done = true;
    clearTimeout(timer);
    unsubscribe();
  };
  return finish;
}
