// GetCDR filters as SQL on the cdr table, so the database does the work on its indexes (calldate,
// src, dst) and the engine never loads rows it does not send. Conditions mirror classify.ts.
import type { Knex } from 'knex';
import type { Config } from '../config/index.js';
import type { CallType } from './classify.js';

export interface CdrFilter {
  /** calldate bounds, inclusive, as `YYYY-MM-DD hh:mm:ss` in the cdr table's time zone. */
  from: string;
  to: string;
  callType?: CallType;
  answered?: boolean;
  direction?: 0 | 1 | 2;
  src?: string[];
  dst?: string[];
}

type Builder = Knex.QueryBuilder;

/** Applies the filter to a query on the cdr table. Every value goes in as a bound parameter. */
export function applyFilter(
  q: Builder,
  f: CdrFilter,
  numbering: Config['numbering'],
  trunks: string[],
): Builder {
  q.whereBetween('calldate', [f.from, f.to]);
  if (f.src) q.whereIn('src', f.src);
  if (f.dst) q.whereIn('dst', f.dst);
  if (f.answered === true) q.where('disposition', 'ANSWERED');
  if (f.answered === false) q.whereNot('disposition', 'ANSWERED');
  if (f.callType) callTypeCondition(q, f.callType, numbering);
  if (f.direction !== undefined) directionCondition(q, f.direction, trunks);
  return q;
}

function callTypeCondition(q: Builder, type: CallType, n: Config['numbering']): void {
  const o = n.outsideCode;
  const emergency = [...n.emergencyNumbers, ...n.emergencyNumbers.map((e) => o + e)];
  const isEmergency = (b: Builder): Builder =>
    emergency.length ? b.whereIn('dst', emergency) : b.whereRaw('1 = 0');
  const outside = (b: Builder): Builder =>
    b.where('dst', 'like', `${o}%`).whereRaw('CHAR_LENGTH(dst) > ?', [o.length]);
  const intl = `${o}${n.internationalPrefix}%`;
  const area = n.localAreaCode ? `${o}${n.localAreaCode}%` : undefined;
  const natl = `${o}${n.nationalPrefix}%`;
  q.where((b) => {
    switch (type) {
      case 'free':
        b.whereNot(isEmergency).whereNot(outside);
        break;
      case 'international':
        b.whereNot(isEmergency).where(outside).where('dst', 'like', intl);
        break;
      case 'longdistance':
        b.whereNot(isEmergency).where(outside).whereNot('dst', 'like', intl).where('dst', 'like', natl);
        if (area) b.whereNot('dst', 'like', area);
        break;
      case 'local':
        b.where(isEmergency).orWhere((x) => {
          x.where(outside).whereNot('dst', 'like', intl);
          x.where((y) => {
            if (area) y.where('dst', 'like', area);
            y.orWhereNot('dst', 'like', natl);
          });
        });
        break;
    }
  });
}

/**
 * A channel column names a trunk exactly as channelName() reads it: `…/<trunk>-<hex>` (PJSIP, SIP,
 * IAX2) or `…@<trunk>-<hex>;<n>` (Local).
 */
function throughTrunk(b: Builder, column: string, trunks: string[]): Builder {
  if (!trunks.length) return b.whereRaw('1 = 0');
  const names = trunks.map((t) => t.replace(/[.-]/g, (c) => `\\${c}`)).join('|');
  return b.whereRaw('?? REGEXP ?', [column, `[/@](${names})-[0-9a-fA-F]+(;[0-9]+)?$`]);
}

function directionCondition(q: Builder, direction: 0 | 1 | 2, trunks: string[]): void {
  const out = (b: Builder): Builder => throughTrunk(b, 'dstchannel', trunks);
  const inbound = (b: Builder): Builder => throughTrunk(b, 'channel', trunks);
  if (direction === 1) q.where(out);
  else if (direction === 2) q.whereNot(out).where(inbound);
  else q.whereNot(out).whereNot(inbound);
}
