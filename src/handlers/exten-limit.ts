// seed 000 §5.4.1 — Action: Set, CallMethod: ExtenLimit. Selects the room's dialling class; the
// dialplan reads it from AstDB on the next call, no reload.
import { defineHandler } from './types.js';
import { limitField, phoneField } from './fields.js';
import type { RoomSet } from '../rooms/room-set.js';

export default (rooms: RoomSet) =>
  defineHandler({
    action: 'Set',
    callMethod: 'ExtenLimit',
    requiresLogin: true,
    errorEcho: ['Phone'],
    parse: (f) => ({ phone: phoneField(f, 'Phone', rooms), limit: limitField(f) }),
    rooms: (req) => [req.phone],
    async handle(req, { services, log, signal }) {
      await services.rooms.update(req.phone, (r) => ({ ...r, classOfService: req.limit }), { signal });
      log.info({ phone: req.phone, limit: req.limit }, 'class of service set');
      return [
        ['Phone', req.phone],
        ['Limit', req.limit],
      ];
    },
  });
