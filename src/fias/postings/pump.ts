// Sends the call charges to the PMS one at a time ("Posting Simple", "Posting Answer"): the oldest
// open posting goes out as PS, and nothing else is posted until its PA comes back with the same P#
// or `ackTimeoutMs` passes (FIAS asks for at least 30 s). PA AS OK ends it; NG, NP or UR refuse it,
// kept with the PMS's CT and not sent again; a timeout sends the same PS (same P#) again. Only while
// the link may send data (ESTABLISHED, outside DR…DE); woken when it may again.
import type { Logger } from '../../log.js';
import type { FiasPostingStore, StoredPosting } from '../../store/fias-postings.js';
import type { PostingAnswer } from '../records/index.js';
import type { FiasRecord } from '../record.js';

export interface PostingLink {
  canSendData(): boolean;
  sendData(record: FiasRecord): void;
}

type Answer = Pick<PostingAnswer, 'status' | 'postingNumber' | 'clearText'>;

export class PostingPump {
  #link: PostingLink | undefined;
  #running = false;
  #busy = false;
  #again = false;
  #waiting: { postingNumber: number; settle: (a: Answer | undefined) => void } | undefined;

  constructor(
    private readonly store: Pick<FiasPostingStore, 'next' | 'markSent' | 'answered'>,
    private readonly ackTimeoutMs: number,
    private readonly log: Logger,
  ) {}

  /** The link to post on (the wiring gives it once the link exists), and start. */
  start(link: PostingLink): void {
    this.#link = link;
    this.#running = true;
    this.wake();
  }

  stop(): void {
    this.#running = false;
    this.#waiting?.settle(undefined);
  }

  /** A posting was added, or the link may send again. */
  wake(): void {
    if (!this.#running) return;
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    void this.#drain()
      .catch((err: unknown) => this.log.warn({ err }, 'FIAS postings: paused until the next wake'))
      .finally(() => {
        this.#busy = false;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
  }

  /** A PA from the PMS. */
  answer(pa: Answer): void {
    const w = this.#waiting;
    if (!w || w.postingNumber !== pa.postingNumber) {
      this.log.warn(
        { postingNumber: pa.postingNumber, status: pa.status, waitingFor: w?.postingNumber },
        'FIAS PA for no posting in flight: ignored',
      );
      return;
    }
    w.settle(pa);
  }

  async #drain(): Promise<void> {
    for (;;) {
      const link = this.#link;
      if (!this.#running || !link?.canSendData()) return;
      const p = await this.store.next();
      if (!p) return;
      await this.#post(link, p);
    }
  }

  async #post(link: PostingLink, p: StoredPosting): Promise<void> {
    const answered = new Promise<Answer | undefined>((settle) => {
      const timer = setTimeout(() => settle(undefined), this.ackTimeoutMs);
      this.#waiting = {
        postingNumber: p.postingNumber,
        settle: (a) => {
          clearTimeout(timer);
          settle(a);
        },
      };
    });
    try {
      await this.store.markSent(p.id);
      link.sendData(p.record);
      this.log.info(
        { postingNumber: p.postingNumber, room: p.room, attempt: p.attempts + 1 },
        'FIAS PS sent',
      );
      const a = await answered;
      if (!a) {
        if (this.#running)
          this.log.warn(
            { postingNumber: p.postingNumber, room: p.room, timeoutMs: this.ackTimeoutMs },
            'FIAS PS not answered in time: it is sent again',
          );
        return;
      }
      await this.store.answered(p.id, a.status, a.clearText);
      this.log[a.status === 'OK' ? 'info' : 'warn'](
        { postingNumber: p.postingNumber, room: p.room, status: a.status, text: a.clearText },
        a.status === 'OK' ? 'FIAS PS answered OK' : 'FIAS PS refused by the PMS: kept, not sent again',
      );
    } finally {
      this.#waiting = undefined;
    }
  }
}
