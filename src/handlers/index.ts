// Every command the engine answers, one file each. Later commands register here.
import heartbeat from './heartbeat.js';
import login from './login.js';
import logout from './logout.js';
import type { Handler } from './types.js';

export const HANDLERS: readonly Handler[] = [login, logout, heartbeat];

/**
 * Commands of the protocol (seed 000 §5.4) that this version does not answer yet: they get a clear
 * `Response: Error` saying so, rather than "unknown".
 */
export const NOT_YET_AVAILABLE: ReadonlyArray<readonly [string, string]> = [
  ['Set', 'ExtenLimit'],
  ['Set', 'ExtenName'],
  ['Set', 'ExtenDND'],
  ['Set', 'VoiceMail'],
  ['Set', 'AlarmClock'],
  ['Set', 'ChangeRoom'],
  ['Set', 'CheckIn'],
  ['Set', 'ExtenClean'],
  ['Query', 'GetCDR'],
];
