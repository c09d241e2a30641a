// seed 000 §5.4.3 — Action: Set, CallMethod: ExtenDND. `Use: 1` with a Start/End window is active
// only inside it (the dialplan compares the window with the clock, so it starts and ends by itself);
// `Use: 1` without them is on until cancelled; `Use: 0` cancels (docs/pms-protocol.md §5.4.3).
import { ProtocolError } from '../errors.js';
import { defineHandler } from './types.js';
import { flagField, phoneField, timeField } from './fields.js';
import type { RoomSet } from '../rooms/room-set.js';

export default (rooms: RoomSet, timeZone: string) =>
  defineHandler({
    action: 'Set',
    callMethod: 'ExtenDND',
    requiresLogin: true,
    errorEcho: ['Phone', 'Use', 'Start', 'End'],
    parse(f) {
      const phone = phoneField(f, 'Phone', rooms);
      const use = flagField(f, 'Use');
      const start = timeField(f, 'Start', timeZone);
      const end = timeField(f, 'End', timeZone);
      if (use && (start === undefined) !== (end === undefined))
        throw new ProtocolError(
          'Start and End must be given together (or neither: DND from now until cancelled)',
        );
      if (start && end && end.getTime() <= start.getTime())
        throw new ProtocolError('End must be after Start');
      return { phone, use, start: use ? (start ?? null) : null, end: use ? (end ?? null) : null, raw: f };
    },
    rooms: (req) => [req.phone],
    async handle(req, { services, log, signal }) {
      await services.rooms.update(
        req.phone,
        (r) => ({
          ...r,
          dnd: { on: req.use, start: req.start, end: req.end },
        }),
        { signal },
      );
      log.info({ phone: req.phone, dnd: req.use, start: req.start, end: req.end }, 'do-not-disturb set');
      const out: Array<[string, string]> = [
        ['Phone', req.phone],
        ['Use', req.use ? '1' : '0'],
      ];
      if (req.start) out.push(['Start', req.raw.get('Start')!], ['End', req.raw.get('End')!]);
      return out;
    },
  });
