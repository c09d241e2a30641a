// The PMS interface contract as the FIAS link sees it: an end date (expiresAt) and/or a notice that
// the service expired (seed 002, "PMS service expired"). Either makes the link EXPIRED; only a new end
// date clears them, so an expired link cannot come back by a mere reconnect.
import { formatLocal } from '../time/zone.js';

/** The end date is re-checked at least hourly: a clock jump cannot hide it, and no timer overflows. */
const CHECK_MAX_MS = 3_600_000;

export class LinkContract {
  #endsAt: number | undefined;
  #notice: string | undefined;

  constructor(
    endsAt: Date | undefined,
    private readonly timeZone: string,
  ) {
    this.#endsAt = endsAt?.getTime();
  }

  /** A new end date, or none: it replaces the old one and clears any notice. */
  set(endsAt: Date | undefined): void {
    this.#endsAt = endsAt?.getTime();
    this.#notice = undefined;
  }

  notify(why: string): void {
    this.#notice = why;
  }

  /** Why the contract has ended at `now`, or undefined while it runs. */
  expiredWhy(now: number): string | undefined {
    if (this.#notice !== undefined) return this.#notice;
    if (this.#endsAt !== undefined && now >= this.#endsAt)
      return `PMS interface contract ended at ${this.describe()}`;
    return undefined;
  }

  /** Milliseconds until the next check of the end date; undefined without one. */
  nextCheckMs(now: number): number | undefined {
    if (this.#endsAt === undefined) return undefined;
    return Math.min(Math.max(0, this.#endsAt - now), CHECK_MAX_MS);
  }

  /** The end date in the hotel's local time, for the operator. */
  describe(): string {
    return this.#endsAt === undefined ? 'none' : formatLocal(new Date(this.#endsAt), this.timeZone);
  }
}
