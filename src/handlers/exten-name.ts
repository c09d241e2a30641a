// seed 000 §5.4.2 — Action: Set, CallMethod: ExtenName. The guest's name becomes the caller name of
// the room's calls. An empty Name clears it.
import { defineHandler } from './types.js';
import { nameField, phoneField } from './fields.js';
import type { RoomSet } from '../rooms/room-set.js';

export default (rooms: RoomSet) =>
  defineHandler({
    action: 'Set',
    callMethod: 'ExtenName',
    requiresLogin: true,
    errorEcho: ['Phone', 'Name'],
    parse: (f) => ({ phone: phoneField(f, 'Phone', rooms), name: nameField(f) }),
    rooms: (req) => [req.phone],
    async handle(req, { services, log, signal }) {
      await services.rooms.update(req.phone, (r) => ({ ...r, guestName: req.name ?? null }), { signal });
      log.info({ phone: req.phone }, 'guest name set');
      return [
        ['Phone', req.phone],
        ['Name', req.name ?? ''],
      ];
    },
  });
