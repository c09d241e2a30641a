// Every command the engine answers, one file each.
import type { Config } from '../config/index.js';
import type { RoomSet } from '../rooms/room-set.js';
import alarmClock from './alarm-clock.js';
import changeRoom from './change-room.js';
import checkIn from './check-in.js';
import extenClean from './exten-clean.js';
import extenDnd from './exten-dnd.js';
import extenLimit from './exten-limit.js';
import extenName from './exten-name.js';
import fiasLink from './fias-link.js';
import fiasPostings from './fias-postings.js';
import fiasStatus from './fias-status.js';
import getCdr from './get-cdr.js';
import heartbeat from './heartbeat.js';
import login from './login.js';
import logout from './logout.js';
import type { Handler } from './types.js';
import voicemail from './voicemail.js';

/** `rooms` is config.hotel.rooms, parsed once by the caller. */
export function buildHandlers(
  rooms: RoomSet,
  config: Pick<Config, 'hotel' | 'numbering' | 'cdr'>,
  prompts: { has(file: string): boolean },
): Handler[] {
  const hotel = { rooms, timeZone: config.hotel.timeZone };
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
    voicemail(hotel.rooms),
    alarmClock(hotel.rooms, prompts),
    getCdr(config),
    fiasStatus,
    fiasLink,
    fiasPostings,
  ];
}
