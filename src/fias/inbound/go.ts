// GO, check-out ("Guest Out notification"): that reservation leaves the room. The last guest out is
// seed 000's ExtenClean (§5.4.8) through RoomService.decide's 'clean': class back to 1, name cleared,
// wake-ups cancelled and messages deleted by the room hooks, in the same transaction as the guest row.
// While sharers stay the room stays occupied and shows its (possibly new) primary guest's name.
// A room-based PMS sends no G#: the whole room checks out. A GO for a reservation we do not have is
// refused (logged, nothing applied). With SF (a resync) the room becomes vacant with no side effect:
// name and check-in cleared, class 1 (a vacant room's), but messages, wake-ups and DND untouched.
import type { GuestOut } from '../records/index.js';
import { cleanRoom } from '../../store/rooms.js';
import { FiasRefusal, type InboundContext } from './context.js';
import { displayName } from './guests.js';

export async function handleGO(ctx: InboundContext, msg: GuestOut): Promise<void> {
  const room = ctx.requireRoom(msg.room);
  let remaining = 0;
  const outcome = await ctx.deps.rooms.decide(room, async (before, tx) => {
    const guests = await ctx.deps.guests.list(room, tx);
    let left = guests;
    if (msg.reservation !== undefined) {
      if (!guests.some((g) => g.reservation === msg.reservation))
        throw new FiasRefusal(
          `GO for reservation ${msg.reservation}, which is not checked in to room ${room}`,
          {
            room,
            reservation: msg.reservation,
          },
        );
      await ctx.deps.guests.remove(room, msg.reservation, tx);
      left = guests.filter((g) => g.reservation !== msg.reservation);
    } else {
      await ctx.deps.guests.removeRoom(room, tx);
      left = [];
      if (!guests.length && before.guestName === null && before.checkedInAt === null) return 'keep';
    }
    remaining = left.length;
    if (left.length) return { ...before, guestName: displayName(left, room) };
    if (!msg.resync) return 'clean';
    const vacant = cleanRoom(room);
    return { ...before, guestName: null, checkedInAt: null, classOfService: vacant.classOfService };
  });
  ctx.log.info(
    { record: 'GO', room, reservation: msg.reservation, resync: msg.resync, remaining },
    outcome === 'clean'
      ? 'FIAS GO: last guest out, room cleaned'
      : outcome === 'keep'
        ? 'FIAS GO: room already vacant'
        : remaining
          ? 'FIAS GO: guest out, sharers stay'
          : 'FIAS GO (resync): room vacant, nothing else cleared',
  );
}
