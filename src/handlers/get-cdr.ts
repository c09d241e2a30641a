// seed 000 §5.4.10 — Action: Query, CallMethod: GetCDR. Filters run in SQL; the answer is streamed in
// messages of at most cdr.maxRecordsPerMessage records (Sum, Islast), so an export of any size keeps
// the engine's memory flat. Without PageCnt/PageNo the answer is an export of every match.
import { ProtocolError } from '../errors.js';
import type { Config } from '../config/index.js';
import type { FieldList, Frame } from '../protocol/index.js';
import { RoomSet } from '../rooms/room-set.js';
import { CALL_TYPES, toRecord, type CallType, type RecordContext } from '../cdr/classify.js';
import type { CdrFilter } from '../cdr/query.js';
import { formatLocal } from '../time/zone.js';
import { timeField } from './fields.js';
import { defineHandler } from './types.js';

const MAX_PAGE = 1000;

interface GetCdrRequest {
  filter: CdrFilter;
  page: { no: number; size: number } | undefined;
}

export default (config: Pick<Config, 'cdr' | 'numbering' | 'hotel'>) => {
  const cdrTimeZone = config.cdr.timeZone || config.hotel.timeZone;
  const ctx: RecordContext = {
    numbering: config.numbering,
    trunks: new Set(config.cdr.trunks),
    cdrTimeZone,
    hotelTimeZone: config.hotel.timeZone,
  };
  const groups = new Map(
    Object.entries(config.cdr.groups).map(([name, spec]) => [name, [...RoomSet.parse(spec)]]),
  );

  const numbers = (f: Frame, side: 'Src' | 'Dst'): string[] | undefined => {
    const type = f.get(`${side}Type`) ?? '';
    const num = f.get(`${side}Num`) ?? '';
    if (!['', '0', '1'].includes(type))
      throw new ProtocolError(`${side}Type must be 0 (number) or 1 (group), got "${type}"`);
    if (num === '') return undefined;
    if (type === '1') {
      const members = groups.get(num);
      if (!members) throw new ProtocolError(`Unknown group: ${num}`);
      return members;
    }
    if (!/^[0-9*#+]{1,32}$/.test(num)) throw new ProtocolError(`${side}Num must be a number, got "${num}"`);
    return [num];
  };

  const positive = (f: Frame, key: string, max?: number): number | undefined => {
    const v = f.get(key) ?? '';
    if (v === '') return undefined;
    if (!/^\d{1,9}$/.test(v) || Number(v) < 1 || (max !== undefined && Number(v) > max))
      throw new ProtocolError(`${key} must be a whole number from 1${max ? ` to ${max}` : ''}, got "${v}"`);
    return Number(v);
  };

  return defineHandler<GetCdrRequest>({
    action: 'Query',
    callMethod: 'GetCDR',
    requiresLogin: true,
    errorEcho: [],
    parse(f) {
      const start = timeField(f, 'StartTime', config.hotel.timeZone);
      const end = timeField(f, 'EndTime', config.hotel.timeZone);
      if (!start) throw new ProtocolError('StartTime is required (YYYY-MM-DD hh:mm:ss)');
      if (!end) throw new ProtocolError('EndTime is required (YYYY-MM-DD hh:mm:ss)');
      if (end < start) throw new ProtocolError('EndTime is before StartTime');
      const callType = f.get('CallType') ?? '';
      if (callType !== '' && !CALL_TYPES.includes(callType as CallType))
        throw new ProtocolError(`Unknown CallType: ${callType} (free, local, longdistance or international)`);
      const disposition = f.get('Disposition') ?? '';
      if (disposition !== '' && !/^\d{1,2}$/.test(disposition))
        throw new ProtocolError(
          `Disposition must be 8 (answered) or another code (not answered), got "${disposition}"`,
        );
      const direction = f.get('Direction') ?? '';
      if (!['', '0', '1', '2'].includes(direction))
        throw new ProtocolError(
          `Direction must be 0 (internal), 1 (outbound) or 2 (inbound), got "${direction}"`,
        );
      const size = positive(f, 'PageCnt', MAX_PAGE);
      const no = positive(f, 'PageNo');
      if (no !== undefined && size === undefined) throw new ProtocolError('PageNo needs PageCnt');
      return {
        filter: {
          from: formatLocal(start, cdrTimeZone),
          to: formatLocal(end, cdrTimeZone),
          callType: callType === '' ? undefined : (callType as CallType),
          answered: disposition === '' ? undefined : disposition === '8',
          direction: direction === '' ? undefined : (Number(direction) as 0 | 1 | 2),
          src: numbers(f, 'Src'),
          dst: numbers(f, 'Dst'),
        },
        page: size === undefined ? undefined : { no: no ?? 1, size },
      };
    },
    async handle(req, { services }) {
      const total = await services.cdr.count(req.filter);
      const { page } = req;
      // An export reads at most Total rows: with a LIMIT the database reads a period in calldate
      // order from its index (without one it picked a scan of the whole table and a sort), and the
      // records sent add up to the Total announced even when a call is written meanwhile.
      const rows = services.cdr.rows(
        req.filter,
        page ? { offset: (page.no - 1) * page.size, limit: page.size } : { offset: 0, limit: total },
      );
      const head: FieldList = [
        ['Total', total],
        ['PageNo', page?.no ?? 1],
        ['PageCnt', page?.size ?? total],
      ];
      return messages(rows, head, config.cdr.maxRecordsPerMessage, ctx);
    },
  });
};

/**
 * Groups records into messages. One batch is held back until the next row (or the end) shows
 * whether more follow, so `Islast: 1` is always on the true last message; no rows = one empty one.
 */
async function* messages(
  rows: AsyncIterable<Parameters<typeof toRecord>[0]>,
  head: FieldList,
  max: number,
  ctx: RecordContext,
): AsyncGenerator<FieldList> {
  const message = (records: string[], last: boolean): FieldList => [
    ...head,
    ['Sum', records.length],
    ['Islast', last ? 1 : 0],
    ['Record', records.map((r) => `${r}&`).join('')],
  ];
  let batch: string[] = [];
  let ready: string[] | undefined;
  for await (const row of rows) {
    if (ready) {
      yield message(ready, false);
      ready = undefined;
    }
    batch.push(toRecord(row, ctx));
    if (batch.length === max) {
      ready = batch;
      batch = [];
    }
  }
  if (ready && batch.length) {
    yield message(ready, false);
    yield message(batch, true);
  } else yield message(ready ?? batch, true);
}
