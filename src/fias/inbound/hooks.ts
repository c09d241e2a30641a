// The FIAS rows that follow a room: a check-out (ExtenClean, or the last GO) empties its guest list
// and its PMS message lamp; a room change (ChangeRoom, a FIAS move of the last guest) moves them. They
// run inside the room service's transaction, as the wake-ups' and voicemail's hooks do.
import type { RoomHooks } from '../../rooms/service.js';
import type { FiasGuestRepo } from '../../store/fias-guests.js';
import type { FiasLampRepo } from '../../store/fias-lamps.js';

export function fiasRoomHooks(
  guests: FiasGuestRepo,
  lamps: FiasLampRepo,
  now: () => number = Date.now,
): RoomHooks {
  return {
    async clean(extension, tx) {
      await guests.removeRoom(extension, tx);
      await lamps.set(extension, false, undefined, now(), tx);
    },
    async move(from, to, tx) {
      await guests.moveRoom(from, to, tx);
      await lamps.moveRoom(from, to, tx);
    },
  };
}
