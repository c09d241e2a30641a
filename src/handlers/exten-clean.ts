// seed 000 §5.4.8 — Action: Set, CallMethod: ExtenClean (check-out). Class back to 1, group back to
// Default, DND and name cleared; wake-ups and voicemail are cleared through the room hooks.
import { defineHandler } from './types.js';
import { phoneField } from './fields.js';
import type { RoomSet } from '../rooms/room-set.js';

export default (rooms: RoomSet) =>
  defineHandler({
    action: 'Set',
    callMethod: 'ExtenClean',
    requiresLogin: true,
    errorEcho: ['Phone'],
    parse: (f) => ({ phone: phoneField(f, 'Phone', rooms) }),
    rooms: (req) => [req.phone],
    async handle(req, { services, log, signal }) {
      await services.rooms.clean(req.phone, signal);
      log.info({ phone: req.phone }, 'checked out (room cleaned)');
      return [['Phone', req.phone]];
    },
  });
