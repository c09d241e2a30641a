// The link-control records the FIAS link sends, built as FiasRecord values (the codec frames them).
// Field order follows the spec's examples ("LS - Link Start, LA - Link Alive, LE - Link End",
// "LD - Link Description, LR - Link Record"); for LR it is fixed: RI, then FL.
import { formatLocal } from '../time/zone.js';
import { fiasRecord, type FiasRecord } from './record.js';

/** DA (YYMMDD) and TI (HHMMSS) of one instant in the hotel's zone. */
export interface LinkStamp {
  readonly DA: string;
  readonly TI: string;
}

/** Interface family of our LD: `PB`, a PBX ("Interface Type Table"). */
export const INTERFACE_FAMILY = 'PB';

export function linkStamp(at: Date, timeZone: string): LinkStamp {
  // formatLocal gives `YYYY-MM-DD hh:mm:ss`; FIAS dates have a 2-digit year ("Field types").
  const t = formatLocal(at, timeZone);
  return {
    DA: t.slice(2, 4) + t.slice(5, 7) + t.slice(8, 10),
    TI: t.slice(11, 13) + t.slice(14, 16) + t.slice(17, 19),
  };
}

/** LS, LA, LE and DR carry only DA and TI. */
export function stampedRecord(id: 'LS' | 'LA' | 'LE' | 'DR', stamp: LinkStamp): FiasRecord {
  return fiasRecord(id, [
    ['DA', stamp.DA],
    ['TI', stamp.TI],
  ]);
}

/**
 * The answer to an LS: LD, one LR per record type, then LA, which tells the PMS the description is
 * complete and the link active ("FIAS Implementation Notes & Exceptions").
 */
export function linkDescription(
  stamp: LinkStamp,
  version: string,
  records: ReadonlyMap<string, string>,
): FiasRecord[] {
  const out = [
    fiasRecord('LD', [
      ['DA', stamp.DA],
      ['TI', stamp.TI],
      ['V#', version],
      ['IF', INTERFACE_FAMILY],
    ]),
  ];
  for (const [id, fields] of records)
    out.push(
      fiasRecord('LR', [
        ['RI', id],
        ['FL', fields],
      ]),
    );
  out.push(stampedRecord('LA', stamp));
  return out;
}
