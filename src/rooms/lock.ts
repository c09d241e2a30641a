// One operation at a time per room: two PMS sessions (or a re-sync) changing the same room never
// interleave their read-modify-write. Different rooms proceed in parallel.
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` once every earlier holder of all `keys` is done; keys are taken in sorted order. */
  async run<T>(keys: string | string[], fn: () => Promise<T>): Promise<T> {
    const list = [...new Set(Array.isArray(keys) ? keys : [keys])].sort();
    const before = list.map((k) => this.tails.get(k) ?? Promise.resolve());
    const result = Promise.all(before.map((p) => p.catch(() => undefined))).then(fn);
    const tail = result.catch(() => undefined);
    for (const k of list) this.tails.set(k, tail);
    try {
      return await result;
    } finally {
      for (const k of list) if (this.tails.get(k) === tail) this.tails.delete(k);
    }
  }
}
