// GC, guest data change ("Guest Data Change notification"): name, language or CS of a reservation;
// with RO it is a room move from RO to RN. Our guest table decides the cases (the GS flags are
// compared with it and a disagreement is logged; the table wins, it is what the rooms hold):
//   A. the guest was alone in RO and RN is empty: seed 000 ChangeRoom (§5.4.6) via RoomService.move:
//      the room's state, wake-ups and messages follow, RO is left clean; the guest rows follow (room
//      hook), then the record's new data is applied to RN.
//   B. others stay in RO, or RN is occupied: the guest checks in to RN (as a check-in of that room if
//      it was empty: name, class = CS or RO's class; else as a sharer), then leaves RO (as a GO: RO is
//      cleaned if nobody stays, else shows its primary guest). Wake-ups and messages are the room's
//      and stay with RO while others stay; RN first, so a failure between leaves the guest in both
//      rooms, never in none (the PMS's next resync settles it).
// A GC for a reservation we do not have is refused. With SF only the fields carried change.
import type { GuestChange } from '../records/index.js';
import type { Room } from '../../store/rooms.js';
import { FiasRefusal, type InboundContext } from './context.js';
import { callerName } from './guest-name.js';
import { displayName, mergeGuest, reservationOf, withGuest } from './guests.js';

export async function handleGC(ctx: InboundContext, msg: GuestChange): Promise<void> {
  const room = ctx.requireRoom(msg.room);
  callerName(msg, room); // a name the room cannot show is refused before anything is written
  if (msg.oldRoom !== undefined && msg.oldRoom !== room)
    return moveGuest(ctx, msg, ctx.requireRoom(msg.oldRoom, 'RO'), room);
  await change(ctx, msg, room);
  ctx.log.info(
    { record: 'GC', room, reservation: msg.reservation, resync: msg.resync },
    'FIAS GC: guest data changed',
  );
}

/** The reservation's data in `room`; the room shows its primary guest, its class the CS if given. */
async function change(ctx: InboundContext, msg: GuestChange, room: string): Promise<void> {
  await ctx.deps.rooms.decide(room, async (before, tx): Promise<Room> => {
    const guests = await ctx.deps.guests.list(room, tx);
    const existing = guests.find((g) => g.reservation === reservationOf(msg));
    if (!existing)
      throw new FiasRefusal(
        `GC for reservation ${msg.reservation ?? '(none)'}, not checked in to room ${room}`,
        {
          room,
          reservation: msg.reservation,
        },
      );
    const guest = mergeGuest(existing, msg, room, existing.sharer, ctx.now());
    callerName(guest, room);
    await ctx.deps.guests.upsert(guest, tx);
    const cs = msg.classOfService === undefined ? undefined : ctx.classOf(msg.classOfService);
    return {
      ...before,
      guestName: displayName(withGuest(guests, guest), room),
      classOfService: cs ?? before.classOfService,
    };
  });
}

async function moveGuest(ctx: InboundContext, msg: GuestChange, from: string, to: string): Promise<void> {
  const { guests, rooms } = ctx.deps;
  const reservation = reservationOf(msg);
  const [fromGuests, toGuests, source, target] = [
    await guests.list(from),
    await guests.list(to),
    await rooms.get(from),
    await rooms.get(to),
  ];
  // Room-based (no G#): the room's guests move together.
  const mine =
    msg.reservation === undefined ? fromGuests : fromGuests.filter((g) => g.reservation === reservation);
  if (msg.reservation !== undefined && !mine.length && fromGuests.length)
    throw new FiasRefusal(`GC move of reservation ${reservation}, not checked in to room ${from}`, {
      room: from,
      reservation,
    });
  const othersStay = fromGuests.length > mine.length;
  const targetOccupied = toGuests.length > 0 || target.guestName !== null || target.checkedInAt !== null;
  const log = { record: 'GC', from, to, reservation: msg.reservation, othersStay, targetOccupied };
  if (msg.oldRoomShared !== undefined && msg.oldRoomShared !== othersStay)
    ctx.log.warn(
      { ...log, flag: msg.oldRoomShared },
      'FIAS GC: the old room share flag disagrees with our guests',
    );
  if (msg.shared !== undefined && msg.shared !== targetOccupied)
    ctx.log.warn({ ...log, flag: msg.shared }, 'FIAS GC: the new room share flag disagrees with our guests');

  if (!othersStay && !targetOccupied) {
    // Case A: the whole room moves (ChangeRoom); the room hook moves the guest rows.
    await rooms.move(from, to);
    if (mine.length) await change(ctx, msg, to);
    else await checkInMoved(ctx, msg, to, source.classOfService, false);
    ctx.log.info(log, 'FIAS GC: room move (state, wake-ups and messages follow)');
    return;
  }
  // Case B: into RN first, then out of RO.
  await checkInMoved(ctx, msg, to, source.classOfService, targetOccupied, mine[0]);
  await rooms.decide(from, async (before, tx) => {
    for (const g of mine) await guests.remove(from, g.reservation, tx);
    const left = (await guests.list(from, tx)).filter(
      (g) => !mine.some((m) => m.reservation === g.reservation),
    );
    return left.length ? { ...before, guestName: displayName(left, from) } : 'clean';
  });
  ctx.log.info(log, 'FIAS GC: guest moved (room state stays with the old room while others stay)');
}

/** The moved guest in `to`: a check-in of the room when it was empty, else a sharer joining. */
async function checkInMoved(
  ctx: InboundContext,
  msg: GuestChange,
  to: string,
  sourceClass: Room['classOfService'],
  sharer: boolean,
  existing?: Parameters<typeof mergeGuest>[0],
): Promise<void> {
  const now = ctx.now();
  await ctx.deps.rooms.decide(to, async (before, tx): Promise<Room> => {
    const guests = await ctx.deps.guests.list(to, tx);
    const guest = mergeGuest(existing && { ...existing, sharer }, msg, to, sharer, now);
    callerName(guest, to);
    await ctx.deps.guests.upsert(guest, tx);
    const cs = msg.classOfService === undefined ? undefined : ctx.classOf(msg.classOfService);
    const guestName = displayName(withGuest(guests, guest), to);
    if (!sharer)
      return { ...before, guestName, classOfService: cs ?? sourceClass, checkedInAt: new Date(now) };
    return { ...before, guestName, classOfService: cs ?? before.classOfService };
  });
}
