// seed 000 §5.4.5 — Action: Set, CallMethod: AlarmClock. Replaces the phone's wake-up calls by the
// strategies of the value (empty value: cancels them all). The reply echoes the normalised value.
import { ProtocolError } from '../errors.js';
import type { RoomSet } from '../rooms/room-set.js';
import { formatAlarmClock, parseAlarmClock } from '../wakeup/strategy.js';
import { phoneField } from './fields.js';
import { defineHandler } from './types.js';

const MAX_VALUE_CHARS = 1024;

export default (rooms: RoomSet, prompts: { has(file: string): boolean }) =>
  defineHandler({
    action: 'Set',
    callMethod: 'AlarmClock',
    requiresLogin: true,
    errorEcho: ['Phone', 'AlarmClock'],
    parse(f) {
      const phone = phoneField(f, 'Phone', rooms);
      const value = f.get('AlarmClock');
      if (value === undefined)
        throw new ProtocolError('AlarmClock is required (an empty value cancels every wake-up of the phone)');
      if (value.length > MAX_VALUE_CHARS)
        throw new ProtocolError(`AlarmClock is longer than ${MAX_VALUE_CHARS} characters`);
      return { phone, strategies: parseAlarmClock(value, { promptExists: (file) => prompts.has(file) }) };
    },
    rooms: (req) => [req.phone],
    async handle(req, { services, log, signal }) {
      const { planned, cancelled } = await services.wakeups.set(req.phone, req.strategies, signal);
      log.info(
        { phone: req.phone, strategies: req.strategies.length, planned, cancelled },
        'wake-up calls set',
      );
      return [
        ['Phone', req.phone],
        ['AlarmClock', formatAlarmClock(req.strategies)],
      ];
    },
  });
