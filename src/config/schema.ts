import { RoomSet } from '../rooms/room-set.js';
import { digitList, digits, nonEmpty, sqlName } from './checks.js';
import { FEATURE_KEYS } from './feature-keys.js';
import { FIAS_KEYS } from './fias-keys.js';
import { HTTP_KEYS } from './http-keys.js';
import { LINK_KEYS } from './link-keys.js';
import { LOGIN_GUARD_KEYS, TLS_KEYS } from './security-keys.js';
import { isValidTimeZone, systemTimeZone } from '../time/zone.js';
import type { KeySpec } from './types.js';

// Every configuration key, once: its place in the config file, its environment variable, its default
// and how it is checked. The README's configuration table is this list in prose.

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const KEYS: KeySpec[] = [
  {
    path: 'listen.host',
    env: 'PMS_LISTEN_HOST',
    kind: 'string',
    default: '0.0.0.0',
    doc: 'address the PMS server listens on',
    check: nonEmpty,
  },
  {
    path: 'listen.port',
    env: 'PMS_LISTEN_PORT',
    kind: 'int',
    default: 5078,
    min: 0,
    max: 65535,
    doc: 'TCP port of the PMS protocol (0 = any free port)',
  },
  ...TLS_KEYS,
  {
    path: 'session.idleTimeoutSec',
    env: 'PMS_IDLE_TIMEOUT_SEC',
    kind: 'int',
    default: 60,
    min: 0,
    max: 86_400,
    doc: 'close a session silent for this long (0 = never)',
  },
  {
    path: 'session.maxFrameBytes',
    env: 'PMS_MAX_FRAME_BYTES',
    kind: 'int',
    default: 65_536,
    min: 256,
    max: 16_777_216,
    doc: 'a frame larger than this is refused with Response: Error',
  },
  {
    path: 'session.maxInFlight',
    env: 'PMS_MAX_IN_FLIGHT',
    kind: 'int',
    default: 64,
    min: 1,
    max: 256,
    doc: 'room commands of one session run at once when they touch different rooms (replies still go out in order; 1 = one at a time); past it, and 64 frames waiting, the socket is not read',
  },
  {
    path: 'session.maxDiscardBytes',
    env: 'PMS_MAX_DISCARD_BYTES',
    kind: 'int',
    default: 1_048_576,
    min: 1024,
    max: 1_073_741_824,
    doc: 'an oversized frame that goes on past this many bytes without ending closes that connection (flood guard)',
  },
  {
    path: 'session.loginTimeoutSec',
    env: 'PMS_LOGIN_TIMEOUT_SEC',
    kind: 'int',
    default: 30,
    min: 1,
    max: 3_600,
    doc: 'a connection not logged in this long after it opened is sent an error and closed (heartbeats do not count)',
  },
  {
    path: 'session.drainTimeoutSec',
    env: 'PMS_DRAIN_TIMEOUT_SEC',
    kind: 'int',
    default: 30,
    min: 1,
    max: 3_600,
    doc: 'a multi-message reply (GetCDR export) to a client that has not read what was sent for this long ends, and the connection is dropped',
  },
  ...LOGIN_GUARD_KEYS,
  {
    path: 'accounts',
    env: 'PMS_ACCOUNTS',
    kind: 'accounts',
    default: [{ user: 'admin', password: 'admin', grade: 1 }],
    doc: 'PMS/console accounts, JSON: [{"user":"admin","password":"…","grade":1}] (grade 1 admin, 2 operator); `password` is a hash printed by `pms-engine hash-password` (plaintext still works, with a warning at start)',
    secret: true,
  },
  ...LINK_KEYS,
  {
    path: 'hotel.rooms',
    env: 'PMS_HOTEL_ROOMS',
    kind: 'string',
    default: '',
    defaultDoc: '(required)',
    doc: 'the room extensions: numbers and ranges, e.g. 8001-8099,8101-8130 (PMS commands for others are refused)',
    check: (v) => {
      try {
        RoomSet.parse(String(v));
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  },
  {
    path: 'hotel.timeZone',
    env: 'PMS_HOTEL_TIMEZONE',
    kind: 'string',
    default: systemTimeZone(),
    defaultDoc: "the system's",
    doc: "the hotel's IANA time zone (e.g. Asia/Shanghai); PMS times are read in it (default: the system's)",
    check: (v) =>
      isValidTimeZone(String(v)) ? undefined : 'not an IANA time zone name such as Asia/Shanghai',
  },
  {
    path: 'numbering.outsideCode',
    env: 'PMS_NUMBERING_OUTSIDE_CODE',
    kind: 'string',
    default: '9',
    doc: 'outside-line access code dialled before any outside number',
    check: digits(1, 4),
  },
  {
    path: 'numbering.localAreaCode',
    env: 'PMS_NUMBERING_LOCAL_AREA_CODE',
    kind: 'string',
    default: '',
    doc: "the hotel's own area code with its national prefix (e.g. 0512): dialled with it, a number is still local",
    check: digits(0, 8),
  },
  {
    path: 'numbering.nationalPrefix',
    env: 'PMS_NUMBERING_NATIONAL_PREFIX',
    kind: 'string',
    default: '0',
    doc: 'prefix of national long-distance numbers (after the outside code)',
    check: digits(1, 3),
  },
  {
    path: 'numbering.internationalPrefix',
    env: 'PMS_NUMBERING_INTERNATIONAL_PREFIX',
    kind: 'string',
    default: '00',
    doc: 'prefix of international numbers (after the outside code)',
    check: digits(1, 4),
  },
  {
    path: 'numbering.enterprisePrefixes',
    env: 'PMS_NUMBERING_ENTERPRISE_PREFIXES',
    kind: 'list',
    default: [],
    doc: 'prefixes of the enterprise / networked PBXs (class 2 and up), comma-separated, e.g. 7,66',
    check: digitList,
  },
  {
    path: 'numbering.emergencyNumbers',
    env: 'PMS_NUMBERING_EMERGENCY_NUMBERS',
    kind: 'list',
    default: ['110', '112', '119', '120', '122'],
    doc: 'numbers every room may call whatever its class (with or without the outside code), comma-separated',
    check: digitList,
  },
  {
    path: 'cdr.database',
    env: 'PMS_CDR_DATABASE',
    kind: 'string',
    default: 'asteriskcdrdb',
    doc: 'database of the call-record table Asterisk writes (same server and user as db.*)',
    check: sqlName,
  },
  {
    path: 'cdr.table',
    env: 'PMS_CDR_TABLE',
    kind: 'string',
    default: 'cdr',
    doc: 'the classic cdr_mysql table (asterisk-conf/sql/cdr.sql)',
    check: sqlName,
  },
  {
    path: 'cdr.timeZone',
    env: 'PMS_CDR_TIMEZONE',
    kind: 'string',
    default: '',
    defaultDoc: "the hotel's",
    doc: "time zone Asterisk writes calldate in (its host's local time); empty = hotel.timeZone",
    check: (v) => (v === '' || isValidTimeZone(String(v)) ? undefined : 'not an IANA time zone name'),
  },
  {
    path: 'cdr.trunks',
    env: 'PMS_CDR_TRUNKS',
    kind: 'list',
    default: [],
    doc: 'trunk names as they appear in CDR channels (PJSIP/<name>-…, Local/…@<name>-…): calls through them are outbound/inbound',
    check: (v) =>
      (v as string[]).every((x) => /^[A-Za-z0-9_.-]{1,64}$/.test(x))
        ? undefined
        : 'names of letters, digits, _ . -',
  },
  {
    path: 'cdr.groups',
    env: 'PMS_CDR_GROUPS',
    kind: 'map',
    default: {},
    doc: 'groups for GetCDR SrcType/DstType 1, JSON: {"Floor8":"8001-8099","VIP":"8101,8102"}',
    check: (v) => {
      for (const [name, spec] of Object.entries(v as Record<string, unknown>)) {
        if (!/^[^\s,&]{1,64}$/u.test(name))
          return `group name "${name}": 1-64 characters, no spaces, commas or &`;
        if (typeof spec !== 'string')
          return `group ${name}: the extensions must be a string like "8001-8099,8101"`;
        try {
          RoomSet.parse(spec);
        } catch (err) {
          return `group ${name}: ${(err as Error).message}`;
        }
      }
      return undefined;
    },
  },
  {
    path: 'cdr.maxRecordsPerMessage',
    env: 'PMS_CDR_MAX_RECORDS_PER_MESSAGE',
    kind: 'int',
    default: 50,
    min: 1,
    max: 10_000,
    doc: 'GetCDR answers with more records are split over several messages (Sum, Islast)',
  },
  ...FEATURE_KEYS,
  ...FIAS_KEYS,
  ...HTTP_KEYS,
  {
    path: 'log.level',
    env: 'PMS_LOG_LEVEL',
    kind: 'string',
    default: 'info',
    doc: `one of ${LOG_LEVELS.join(', ')}`,
    check: (v) => (LOG_LEVELS.includes(String(v)) ? undefined : `must be one of ${LOG_LEVELS.join(', ')}`),
  },
  {
    path: 'log.pretty',
    env: 'PMS_LOG_PRETTY',
    kind: 'bool',
    default: false,
    doc: 'human-readable logs instead of JSON (development)',
  },
];
