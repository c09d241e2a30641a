// DS … DE, a database resync from the PMS ("Database Synchronization"). The records between carry SF
// and are applied in order like live ones (compare and update, no side effects: see gi/go/gc), so
// the last record for a room wins. Live records may be mixed in; they are applied as live. What we
// send is held by the link between DR and DE, not here.
// The PMS sends a GI for every guest in house, so a FIAS guest that no GI or GC of the resync named
// has left while the link was down: at the DE it checks out as a resync GO would (room vacant, no side
// effect). Only a DE after a DS sweeps (the pump gives no DE for a resync the link gave up on), and
// only guests the PMS checked in over FIAS: a room checked in over seed 000 has none and is left alone.
import type { StampedRecord } from '../records/index.js';
import { FiasRefusal, type InboundContext } from './context.js';
import { handleGO } from './go.js';

export async function handleResync(
  ctx: InboundContext,
  msg: StampedRecord,
  applied: { count: number },
): Promise<void> {
  const at = { date: msg.date, time: msg.time };
  if (msg.id === 'DS') {
    if (ctx.resyncing) ctx.log.warn(at, 'FIAS DS during a resync: starting over');
    ctx.resyncing = true;
    ctx.named.clear();
    applied.count = 0;
    ctx.log.info({ record: 'DS', ...at }, 'FIAS database resync started');
    return;
  }
  if (!ctx.resyncing) {
    ctx.log.warn({ record: 'DE', ...at }, 'FIAS DE without a DS');
    return;
  }
  ctx.resyncing = false;
  const swept = await sweep(ctx);
  ctx.named.clear();
  ctx.log.info({ record: 'DE', ...at, records: applied.count, swept }, 'FIAS database resync ended');
}

/** Checks out every FIAS guest the resync did not name; the number checked out. */
async function sweep(ctx: InboundContext): Promise<number> {
  let swept = 0;
  for (const g of await ctx.deps.guests.all()) {
    if (ctx.named.get(g.room)?.has(g.reservation)) continue;
    const reservation = g.reservation === '' ? undefined : g.reservation;
    try {
      await handleGO(ctx, { id: 'GO', room: g.room, reservation, resync: true, extra: new Map() });
      swept++;
      ctx.log.info(
        { record: 'DE', room: g.room, reservation },
        'FIAS resync: guest not in the PMS any more, checked out',
      );
    } catch (err) {
      // The room left the hotel's numbering, or the guest went meanwhile: nothing to sweep.
      if (!(err instanceof FiasRefusal)) throw err;
      ctx.log.warn({ room: g.room, reservation, reason: err.message }, 'FIAS resync sweep skipped a guest');
    }
  }
  return swept;
}
