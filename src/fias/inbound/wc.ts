// WC, clear a wake-up ("Wakeup"): the room's FIAS wake-up at that DA/TI, or with both empty every FIAS
// wake-up of the room (the typed WC requires both or neither). AlarmClock's wake-ups are not the
// PMS's to clear this way. A cleared wake-up gets no WA.
import type { WakeupClear } from '../records/index.js';
import { formatDate, formatTime } from '../records/index.js';
import type { InboundContext } from './context.js';

export async function handleWC(ctx: InboundContext, msg: WakeupClear): Promise<void> {
  const room = ctx.requireRoom(msg.room);
  const at = msg.at && { date: formatDate(msg.at.date) as string, time: formatTime(msg.at.time) as string };
  const cancelled = await ctx.deps.wakeups.cancelSome(room, async (tx) => {
    const ids = await ctx.deps.fiasWakeups.open(room, at, tx);
    await ctx.deps.fiasWakeups.mark(ids, 'cleared', tx);
    return ids;
  });
  ctx.log.info(
    { record: 'WC', room, ...at, all: !at, cancelled },
    cancelled ? 'FIAS WC: wake-up cleared' : 'FIAS WC: no such wake-up pending',
  );
}
