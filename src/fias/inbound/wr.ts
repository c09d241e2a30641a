// WR, a wake-up request ("Wakeup"): one call at DA/TI, the hotel's wall-clock time, for room RN, on
// the scheduler AlarmClock uses (one strategy: one day, `wakeupAttempts` attempts 5 minutes apart, the
// default prompt). It is added beside the room's other wake-ups, and its DA/TI are kept as received
// (fias_wakeups) so that the one WA echoes them exactly. The same DA/TI again for a room that still
// has it pending is a repeat, not a second call. A time already past rings at once, within the
// scheduler's grace; later it is recorded as missed and answered NR.
import type { WakeupRequest } from '../records/index.js';
import { formatDate, formatTime } from '../records/index.js';
import { parseLocal } from '../../time/zone.js';
import { FiasRefusal, type InboundContext } from './context.js';

export async function handleWR(ctx: InboundContext, msg: WakeupRequest): Promise<void> {
  const room = ctx.requireRoom(msg.room);
  const [date, time] = [formatDate(msg.date), formatTime(msg.time)] as [string, string];
  const p = (n: number): string => String(n).padStart(2, '0');
  const { year, month, day } = msg.date;
  const { hour, minute, second } = msg.time;
  const due = parseLocal(
    `${year}-${p(month)}-${p(day)} ${p(hour)}:${p(minute)}:${p(second)}`,
    ctx.deps.timeZone,
  );
  if (!due) throw new FiasRefusal(`WR at ${date} ${time} is not a time of the hotel's zone`, { room });
  if ((await ctx.deps.fiasWakeups.open(room, { date, time })).length) {
    ctx.log.info({ record: 'WR', room, date, time }, 'FIAS WR: this wake-up is already set');
    return;
  }
  const occurrence = await ctx.deps.wakeups.addOnce(room, due.getTime(), ctx.wakeupAttempts, (id, tx) =>
    ctx.deps.fiasWakeups.add({ occurrenceId: id, room, date, time, createdAt: ctx.now() }, tx),
  );
  ctx.log.info(
    { record: 'WR', room, date, time, occurrence, due: due.toISOString() },
    'FIAS WR: wake-up set',
  );
}
