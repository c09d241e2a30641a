// Every command the engine answers, one file each.
import type { RoomSet } from '../rooms/room-set.js';
import changeRoom from './change-room.js';
import checkIn from './check-in.js';
import extenClean from './exten-clean.js';
import extenDnd from './exten-dnd.js';
import extenLimit from './exten-limit.js';
import extenName from './exten-name.js';
import heartbeat from './heartbeat.js';
import login from './login.js';
import logout from './logout.js';
import type { Handler } from './types.js';

export interface HotelContext {
  rooms: RoomSet;
  /** The hotel's IANA time zone: PMS times are wall-clock times there. */
  timeZone: string;
}

export function buildHandlers(hotel: HotelContext): Handler[] {
  return [
    login,
    logout,
    heartbeat,
    extenLimit(hotel.rooms),
    extenName(hotel.rooms),
    extenDnd(hotel.rooms, hotel.timeZone),
    checkIn(hotel.rooms),
    extenClean(hotel.rooms),
    changeRoom(hotel.rooms),
  ];
}

/**
 * Commands of the protocol (seed 000 §5.4) that this version does not answer yet: they get a clear
 * `Response: Error` saying so, rather than "unknown".
 */
export const NOT_YET_AVAILABLE: ReadonlyArray<readonly [string, string]> = [
  ['Set', 'VoiceMail'],
  ['Set', 'AlarmClock'],
  ['Query', 'GetCDR'],
];
