// The call-charge tariff table (`fias.tariffs`): what a call of each outside call type of the
// numbering plan costs when the engine costs calls itself (`fias.callCharges` = amount, FIAS PS with
// PT C and TA). Per type: a setup charge, then a price per started block of seconds, in the
// currency's minor units (cents), as TA carries them. Read by the config (fias-keys.ts), applied by src/fias/postings/.

/** The call types a tariff is given for: the outside ones of src/cdr/classify.ts (free is never charged). */
export const TARIFF_TYPES = ['local', 'longdistance', 'international'] as const;
export type TariffType = (typeof TARIFF_TYPES)[number];

export interface Tariff {
  /** Charged once for an answered call, in minor units. */
  readonly setup: number;
  /** Charged for every started block, in minor units. */
  readonly price: number;
  /** The block's length in seconds (60: per started minute; 1: per second). */
  readonly blockSec: number;
}

export type Tariffs = Readonly<Record<TariffType, Tariff>>;

const MAX_BLOCK_SEC = 3600;

/**
 * Reads `local:0+10/60,longdistance:25+30/60,international:50+150/30` (type:setup+price/seconds);
 * a string with the problem in words when it is not such a table with every type once.
 */
export function parseTariffs(raw: string): Tariffs | string {
  const out: Partial<Record<TariffType, Tariff>> = {};
  for (const part of raw.split(',').map((p) => p.trim())) {
    const m = /^([a-z]+):(\d{1,8})\+(\d{1,8})\/(\d{1,4})$/.exec(part);
    if (!m) return `"${part}" is not type:setup+price/seconds (amounts in minor units), e.g. local:0+10/60`;
    const type = m[1] as TariffType;
    if (!TARIFF_TYPES.includes(type)) return `"${m[1]}" is not a call type (${TARIFF_TYPES.join(', ')})`;
    if (out[type] !== undefined) return `${type} is given twice`;
    const [setup, price, blockSec] = [Number(m[2]), Number(m[3]), Number(m[4])];
    if (blockSec < 1 || blockSec > MAX_BLOCK_SEC)
      return `${type}: the block of ${blockSec} s is not 1-${MAX_BLOCK_SEC} seconds`;
    out[type] = { setup, price, blockSec };
  }
  const missing = TARIFF_TYPES.filter((t) => out[t] === undefined);
  if (missing.length) return `no tariff for ${missing.join(', ')}`;
  return out as Tariffs;
}

/** The charge of a call of `billsec` answered seconds, in minor units: setup + started blocks × price. */
export function costOf(billsec: number, t: Tariff): number {
  const blocks = Math.ceil(Math.max(0, billsec) / t.blockSec);
  return t.setup + blocks * t.price;
}
