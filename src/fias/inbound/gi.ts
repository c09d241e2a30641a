// GI, check-in ("Guest In notification"). Through RoomService.decide: the guest row and the room
// change are one transaction under the room's lock. Same effects as seed 000 CheckIn (§5.4.7) for a
// guest checking in to an empty room: name, class (CS mapped, default 1 as CheckIn's Limit), time of
// check-in. A sharer (a further reservation in an occupied room) joins the list: the room keeps its
// primary guest's name; a CS it brings sets the room's class (the class is per room, last one wins).
// With SF ("Database Synchronization") only what the record carries is compared and updated: no
// default is applied to a status the record leaves out.
import type { GuestIn } from '../records/index.js';
import type { Room } from '../../store/rooms.js';
import type { InboundContext } from './context.js';
import { callerName } from './guest-name.js';
import { displayName, mergeGuest, reservationOf, withGuest } from './guests.js';

/** CheckIn's default Limit (seed 000 §5.4.7) for a check-in without CS. */
const CHECK_IN_CLASS = 1;

export async function handleGI(ctx: InboundContext, msg: GuestIn): Promise<void> {
  const room = ctx.requireRoom(msg.room);
  callerName(msg, room); // a name the room cannot show is refused before anything is written
  const now = ctx.now();
  let kind = '';
  await ctx.deps.rooms.decide(room, async (before, tx): Promise<Room> => {
    const guests = await ctx.deps.guests.list(room, tx);
    const existing = guests.find((g) => g.reservation === reservationOf(msg));
    const guest = mergeGuest(existing, msg, room, guests.length > 0 || msg.shared === true, now);
    callerName(guest, room); // and with the stored parts (a backstop: it rolls back)
    const after = withGuest(guests, guest);
    await ctx.deps.guests.upsert(guest, tx);
    const guestName = displayName(after, room);
    const cs = msg.classOfService === undefined ? undefined : ctx.classOf(msg.classOfService);
    if (guests.length === 0 && !msg.resync) {
      kind = 'check-in';
      return { ...before, guestName, classOfService: cs ?? CHECK_IN_CLASS, checkedInAt: new Date(now) };
    }
    kind = existing ? 'guest updated' : guests.length ? 'sharer checked in' : 'check-in (resync)';
    return {
      ...before,
      guestName,
      classOfService: cs ?? before.classOfService,
      checkedInAt: before.checkedInAt ?? new Date(now),
    };
  });
  ctx.log.info(
    { record: 'GI', room, reservation: msg.reservation, resync: msg.resync, shared: msg.shared },
    `FIAS GI: ${kind}`,
  );
}
