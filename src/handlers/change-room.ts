// seed 000 §5.4.6 — Action: Set, CallMethod: ChangeRoom. Everything of the guest moves to ToPhone;
// FromPhone is left clean, in one transaction.
import { ProtocolError } from '../errors.js';
import { defineHandler } from './types.js';
import { phoneField } from './fields.js';
import type { RoomSet } from '../rooms/room-set.js';

export default (rooms: RoomSet) =>
  defineHandler({
    action: 'Set',
    callMethod: 'ChangeRoom',
    requiresLogin: true,
    errorEcho: ['FromPhone', 'ToPhone'],
    parse(f) {
      const from = phoneField(f, 'FromPhone', rooms);
      const to = phoneField(f, 'ToPhone', rooms);
      if (from === to) throw new ProtocolError('FromPhone and ToPhone are the same room');
      return { from, to };
    },
    rooms: (req) => [req.from, req.to],
    async handle(req, { services, log, signal }) {
      await services.rooms.move(req.from, req.to, signal);
      log.info({ from: req.from, to: req.to }, 'room changed');
      return [
        ['FromPhone', req.from],
        ['ToPhone', req.to],
      ];
    },
  });
