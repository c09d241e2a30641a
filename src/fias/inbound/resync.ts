// DS … DE, a database resync from the PMS ("Database Synchronization"). The records between carry SF
// and are applied in order like live ones (compare and update, no side effects: see gi/go/gc), so
// the last record for a room wins. Live records may be mixed in; they are applied as live. What we
// send is held by the link between DR and DE, not here.
import type { StampedRecord } from '../records/index.js';
import type { InboundContext } from './context.js';

export function handleResync(ctx: InboundContext, msg: StampedRecord, applied: { count: number }): void {
  const at = { date: msg.date, time: msg.time };
  if (msg.id === 'DS') {
    if (ctx.resyncing) ctx.log.warn(at, 'FIAS DS during a resync: starting over');
    ctx.resyncing = true;
    applied.count = 0;
    ctx.log.info({ record: 'DS', ...at }, 'FIAS database resync started');
    return;
  }
  if (!ctx.resyncing) ctx.log.warn({ record: 'DE', ...at }, 'FIAS DE without a DS');
  ctx.resyncing = false;
  ctx.log.info({ record: 'DE', ...at, records: applied.count }, 'FIAS database resync ended');
}
