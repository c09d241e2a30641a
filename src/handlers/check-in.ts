// seed 000 §5.4.7 — Action: Set, CallMethod: CheckIn. Name defaults to the room number, Limit to 1.
import { defineHandler } from './types.js';
import { limitField, nameField, phoneField } from './fields.js';
import type { RoomSet } from '../rooms/room-set.js';

export default (rooms: RoomSet) =>
  defineHandler({
    action: 'Set',
    callMethod: 'CheckIn',
    requiresLogin: true,
    errorEcho: ['Phone', 'Name', 'Limit'],
    parse(f) {
      const phone = phoneField(f, 'Phone', rooms);
      return { phone, name: nameField(f) ?? phone, limit: limitField(f, 1) };
    },
    rooms: (req) => [req.phone],
    async handle(req, { services, log, signal }) {
      await services.rooms.update(
        req.phone,
        (r) => ({
          ...r,
          guestName: req.name,
          classOfService: req.limit,
          checkedInAt: new Date(),
        }),
        { signal },
      );
      log.info({ phone: req.phone, limit: req.limit }, 'checked in');
      return [
        ['Phone', req.phone],
        ['Name', req.name],
        ['Limit', req.limit],
      ];
    },
  });
