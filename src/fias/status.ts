// What the operator sees of the FIAS link: the state, since when and why, the recent transitions and
// the traffic counts, as one plain object for the console's status API, the FiasStatus command and
// pms-cli. Fed by the link's stateChanged output and by the adapter's and pumps' counters.
//
// The link logs each state change once itself (src/fias/link.ts, `{ from, to, why }`, on the child
// logger bound to `{ link: 'fias' }` by src/fias/wire.ts); this class keeps the history and does not
// log it a second time.
import type { FiasLinkChange, FiasLinkPhase, FiasLinkState } from './link-states.js';

/** Transitions kept for the operator: enough to see a flapping link, small enough to send whole. */
export const STATUS_HISTORY = 50;

export interface FiasTransition {
  /** ISO 8601, UTC. */
  readonly at: string;
  readonly from: FiasLinkState;
  readonly to: FiasLinkState;
  readonly why: string;
}

export interface FiasStatusView {
  readonly state: FiasLinkState;
  readonly phase: FiasLinkPhase;
  /** When the link entered `state` (ISO 8601, UTC): the engine's start for the first CLOSED. */
  readonly since: string;
  readonly why: string;
  /** Data records may go to the PMS now (ESTABLISHED, outside a resync). */
  readonly canSend: boolean;
  /** Entering EXPECTION: the delay before the next connect, in ms. */
  readonly retryInMs?: number;
  /** Records read from / written to the wire, link records included. */
  readonly recordsIn: number;
  readonly recordsOut: number;
  /** Records the PMS sent that failed validation (dropped), and unreadable bytes (frame errors). */
  readonly invalidRecords: number;
  readonly frameErrors: number;
  /** Data records applied by the room core, and those it refused or did not finish in time. */
  readonly applied: number;
  readonly failed: number;
  /** Oldest first. */
  readonly transitions: readonly FiasTransition[];
}

/** The live parts of the link the status reads on demand. */
export interface StatusSource {
  readonly state: FiasLinkState;
  readonly phase: FiasLinkPhase;
  canSendData(): boolean;
}

export class FiasStatus {
  #since: number;
  #why = 'not started';
  #retryInMs: number | undefined;
  readonly #history: FiasTransition[] = [];
  #in = 0;
  #out = 0;
  #invalid = 0;
  #frameErrors = 0;
  #applied = 0;
  #failed = 0;
  #source: StatusSource | undefined;

  constructor(private readonly now: () => number = Date.now) {
    this.#since = now();
  }

  /** Attaches the link (built after the status, since its outputs feed this). */
  attach(source: StatusSource): void {
    this.#source = source;
  }

  changed(change: FiasLinkChange): void {
    const at = this.now();
    this.#since = at;
    this.#why = change.why;
    this.#retryInMs = change.retryInMs;
    this.#history.push({ at: iso(at), from: change.from, to: change.to, why: change.why });
    if (this.#history.length > STATUS_HISTORY) this.#history.splice(0, this.#history.length - STATUS_HISTORY);
  }

  counted(direction: 'in' | 'out'): void {
    if (direction === 'in') this.#in++;
    else this.#out++;
  }

  invalid(): void {
    this.#invalid++;
  }

  frameError(): void {
    this.#frameErrors++;
  }

  outcome(ok: boolean): void {
    if (ok) this.#applied++;
    else this.#failed++;
  }

  snapshot(): FiasStatusView {
    const s = this.#source;
    return {
      state: s?.state ?? 'CLOSED',
      phase: s?.phase ?? 'idle',
      since: iso(this.#since),
      why: this.#why,
      canSend: s?.canSendData() ?? false,
      ...(this.#retryInMs === undefined ? {} : { retryInMs: this.#retryInMs }),
      recordsIn: this.#in,
      recordsOut: this.#out,
      invalidRecords: this.#invalid,
      frameErrors: this.#frameErrors,
      applied: this.#applied,
      failed: this.#failed,
      transitions: [...this.#history],
    };
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
