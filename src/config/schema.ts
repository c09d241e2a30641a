import { RoomSet } from '../rooms/room-set.js';
import { digitList, digits, nonEmpty, sqlName } from './checks.js';
import { FEATURE_KEYS } from './feature-keys.js';
import { FIAS_KEYS, type FiasConfigEncoding } from './fias-keys.js';
import { LOGIN_GUARD_KEYS, TLS_KEYS } from './security-keys.js';
import { isValidTimeZone, systemTimeZone } from '../time/zone.js';

// Every configuration key, once: its place in the config file, its environment variable, its default
// and how it is checked. The README's configuration table is this list in prose.

export interface Account {
  user: string;
  password: string;
  /** 1 = administrator, 2 = operator console (seed 000 §5.1). */
  grade: 1 | 2;
}

export interface BackoffConfig {
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface KeepaliveConfig {
  intervalMs: number;
  timeoutMs: number;
}

export interface Config {
  listen: { host: string; port: number };
  tls: {
    enabled: boolean;
    host: string;
    port: number;
    certFile: string;
    keyFile: string;
    caFile: string;
    requireClientCert: boolean;
  };
  session: {
    idleTimeoutSec: number;
    maxFrameBytes: number;
    maxDiscardBytes: number;
    loginTimeoutSec: number;
    drainTimeoutSec: number;
    loginFreeFailures: number;
    loginDelayMaxMs: number;
    lockoutFailures: number;
    lockoutSec: number;
    maxConnections: number;
    maxUnauthenticated: number;
  };
  accounts: Account[];
  ami: {
    host: string;
    port: number;
    username: string;
    password: string;
    actionTimeoutMs: number;
    connectTimeoutMs: number;
    reconnect: BackoffConfig;
    keepalive: KeepaliveConfig;
  };
  ari: {
    url: string;
    username: string;
    password: string;
    app: string;
    connectTimeoutMs: number;
    requestTimeoutMs: number;
    maxSockets: number;
    reconnect: BackoffConfig;
    keepalive: KeepaliveConfig;
  };
  db: {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
    connectTimeoutMs: number;
    queryTimeoutMs: number;
    connections: number;
    exportConnections: number;
    reconnect: BackoffConfig;
    keepalive: KeepaliveConfig;
  };
  log: { level: string; pretty: boolean };
  /** Room provisioning (pms-provision): the rooms' PJSIP endpoints. */
  provision: { sipSecret: string };
  hotel: { rooms: string; timeZone: string };
  numbering: {
    outsideCode: string;
    localAreaCode: string;
    nationalPrefix: string;
    internationalPrefix: string;
    enterprisePrefixes: string[];
    emergencyNumbers: string[];
  };
  cdr: {
    database: string;
    table: string;
    timeZone: string;
    trunks: string[];
    groups: Record<string, string>;
    maxRecordsPerMessage: number;
  };
  wakeup: {
    promptDir: string;
    asteriskPromptDir: string;
    dialString: string;
    callerIdName: string;
    callerIdNumber: string;
    ringSeconds: number;
    graceSeconds: number;
    maxConcurrentCalls: number;
    callsPerSecond: number;
    minuteSeconds: number;
    confirmDigit: string;
    snoozeDigit: string;
    snoozeMinutes: number;
    noKeyConfirms: boolean;
    keyWaitSeconds: number;
    receptionExtension: string;
    receptionDialString: string;
    notifyPms: boolean;
    linkRetrySeconds: number;
    linkRetries: number;
    formats: string;
  };
  voicemail: {
    includeFile: string;
    spoolDir: string;
    context: string;
    mwiContext: string;
    reloadModule: string;
  };
  /** The FIAS link to an Oracle-style PMS (src/config/fias-keys.ts). */
  fias: {
    enabled: boolean;
    host: string;
    port: number;
    encoding: FiasConfigEncoding;
    keepaliveSec: number;
    ackTimeoutSec: number;
    initTimeoutSec: number;
    connectTimeoutSec: number;
    leTimeoutSec: number;
    resyncTimeoutSec: number;
    reconnect: BackoffConfig;
    version: string;
    /** ISO date or date-time, '' for none: read with parseExpiresAt. */
    expiresAt: string;
    /** `CS:class,…`: read with parseClassMap. */
    classMap: string;
    wakeupAttempts: number;
    postingAckTimeoutSec: number;
  };
}

export type Kind = 'string' | 'int' | 'bool' | 'accounts' | 'list' | 'map';

export interface KeySpec {
  /** Dotted path in the config file, e.g. `ami.port`. */
  path: string;
  env: string;
  kind: Kind;
  default: unknown;
  /** How the README shows the default when it is computed or absent. */
  defaultDoc?: string;
  doc: string;
  min?: number;
  max?: number;
  /** Extra check; returns a problem in words a technician can act on, or undefined. */
  check?: (value: unknown) => string | undefined;
  secret?: boolean;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const backoff = (prefix: string, env: string): KeySpec[] => [
  {
    path: `${prefix}.reconnect.initialDelayMs`,
    env: `${env}_RECONNECT_INITIAL_MS`,
    kind: 'int',
    default: 250,
    min: 10,
    max: 60_000,
    doc: 'first reconnect delay; doubles on each failed attempt (with jitter)',
  },
  {
    path: `${prefix}.reconnect.maxDelayMs`,
    env: `${env}_RECONNECT_MAX_MS`,
    kind: 'int',
    default: 5_000,
    min: 100,
    max: 300_000,
    doc: 'cap of the reconnect delay',
  },
];

const keepalive = (prefix: string, env: string, probe: string, intervalMs: number): KeySpec[] => [
  {
    path: `${prefix}.keepalive.intervalMs`,
    env: `${env}_KEEPALIVE_MS`,
    kind: 'int',
    default: intervalMs,
    min: 0,
    max: 300_000,
    doc: `while the link is up, ${probe} this often (0 = never), so a hung server or a cut network is found without traffic`,
  },
  {
    path: `${prefix}.keepalive.timeoutMs`,
    env: `${env}_KEEPALIVE_TIMEOUT_MS`,
    kind: 'int',
    default: 2_000,
    min: 100,
    max: 60_000,
    doc: 'a keepalive probe not answered in this time drops the link, which then reconnects',
  },
];

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
  {
    path: 'ami.host',
    env: 'PMS_AMI_HOST',
    kind: 'string',
    default: '127.0.0.1',
    doc: 'Asterisk Manager Interface host',
    check: nonEmpty,
  },
  {
    path: 'ami.port',
    env: 'PMS_AMI_PORT',
    kind: 'int',
    default: 5038,
    min: 1,
    max: 65535,
    doc: 'AMI TCP port (manager.conf [general] port)',
  },
  {
    path: 'ami.username',
    env: 'PMS_AMI_USERNAME',
    kind: 'string',
    default: '',
    doc: 'AMI user (manager.conf section)',
    check: nonEmpty,
  },
  {
    path: 'ami.password',
    env: 'PMS_AMI_PASSWORD',
    kind: 'string',
    default: '',
    doc: 'AMI secret of that user',
    check: nonEmpty,
    secret: true,
  },
  {
    path: 'ami.actionTimeoutMs',
    env: 'PMS_AMI_ACTION_TIMEOUT_MS',
    kind: 'int',
    default: 5_000,
    min: 100,
    max: 120_000,
    doc: 'an AMI action not answered in this time fails, and drops the link (it reconnects): Asterisk or the network to it has hung',
  },
  {
    path: 'ami.connectTimeoutMs',
    env: 'PMS_AMI_CONNECT_TIMEOUT_MS',
    kind: 'int',
    default: 5_000,
    min: 100,
    max: 120_000,
    doc: 'TCP connect + login must finish in this time',
  },
  ...backoff('ami', 'PMS_AMI'),
  ...keepalive('ami', 'PMS_AMI', 'send an AMI Ping', 5_000),
  {
    path: 'ari.url',
    env: 'PMS_ARI_URL',
    kind: 'string',
    default: 'http://127.0.0.1:8088',
    doc: 'Asterisk HTTP server base URL for ARI',
    check: (v) =>
      /^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(String(v)) ? undefined : 'must look like http://host:port',
  },
  {
    path: 'ari.username',
    env: 'PMS_ARI_USERNAME',
    kind: 'string',
    default: '',
    doc: 'ARI user (ari.conf section)',
    check: nonEmpty,
  },
  {
    path: 'ari.password',
    env: 'PMS_ARI_PASSWORD',
    kind: 'string',
    default: '',
    doc: 'ARI password',
    check: nonEmpty,
    secret: true,
  },
  {
    path: 'ari.app',
    env: 'PMS_ARI_APP',
    kind: 'string',
    default: 'pms-engine',
    doc: "name of the engine's Stasis application",
    check: (v) => (/^[A-Za-z0-9_-]{1,64}$/.test(String(v)) ? undefined : 'letters, digits, _ and - only'),
  },
  {
    path: 'ari.connectTimeoutMs',
    env: 'PMS_ARI_CONNECT_TIMEOUT_MS',
    kind: 'int',
    default: 5_000,
    min: 100,
    max: 120_000,
    doc: 'ARI connect (HTTP + WebSocket) must finish in this time',
  },
  {
    path: 'ari.requestTimeoutMs',
    env: 'PMS_ARI_REQUEST_TIMEOUT_MS',
    kind: 'int',
    default: 10_000,
    min: 100,
    max: 60_000,
    doc: 'every ARI REST request (originate, play, hangup, …) must be answered in this time',
  },
  {
    path: 'ari.maxSockets',
    env: 'PMS_ARI_MAX_SOCKETS',
    kind: 'int',
    default: 16,
    min: 1,
    max: 90,
    doc: "HTTP connections to ARI, reused (keep-alive): requests beyond it wait their turn. Asterisk's http.conf sessionlimit (default 100, the events WebSocket included) must stay above it",
  },
  ...backoff('ari', 'PMS_ARI'),
  ...keepalive('ari', 'PMS_ARI', 'GET /ari/asterisk/ping', 5_000),
  {
    path: 'db.host',
    env: 'PMS_DB_HOST',
    kind: 'string',
    default: '127.0.0.1',
    doc: "MySQL/MariaDB host of the engine's store",
    check: nonEmpty,
  },
  {
    path: 'db.port',
    env: 'PMS_DB_PORT',
    kind: 'int',
    default: 3306,
    min: 1,
    max: 65535,
    doc: 'database TCP port',
  },
  {
    path: 'db.user',
    env: 'PMS_DB_USER',
    kind: 'string',
    default: 'root',
    doc: 'database user (needs CREATE on its database)',
    check: nonEmpty,
  },
  {
    path: 'db.password',
    env: 'PMS_DB_PASSWORD',
    kind: 'string',
    default: '',
    doc: 'database password',
    secret: true,
  },
  {
    path: 'db.database',
    env: 'PMS_DB_DATABASE',
    kind: 'string',
    default: 'pms_engine',
    doc: 'database of the engine (created if missing)',
    check: (v) => (/^[A-Za-z0-9_]{1,64}$/.test(String(v)) ? undefined : 'letters, digits and _ only'),
  },
  {
    path: 'db.connectTimeoutMs',
    env: 'PMS_DB_CONNECT_TIMEOUT_MS',
    kind: 'int',
    default: 5_000,
    min: 100,
    max: 120_000,
    doc: 'database connect timeout',
  },
  {
    path: 'db.queryTimeoutMs',
    env: 'PMS_DB_QUERY_TIMEOUT_MS',
    kind: 'int',
    default: 5_000,
    min: 100,
    max: 120_000,
    doc: 'a query not answered in this time fails and drops the database link (it reconnects); so do the first rows of an export (a slow reader is bounded by `session.drainTimeoutSec`)',
  },
  {
    path: 'db.connections',
    env: 'PMS_DB_CONNECTIONS',
    kind: 'int',
    default: 10,
    min: 1,
    max: 100,
    doc: 'connections for room commands and wake-ups',
  },
  {
    path: 'db.exportConnections',
    env: 'PMS_DB_EXPORT_CONNECTIONS',
    kind: 'int',
    default: 2,
    min: 1,
    max: 20,
    doc: "separate connections for GetCDR exports: a slow reader can only hold these, never the room commands' ones; an export beyond them is refused",
  },
  ...backoff('db', 'PMS_DB'),
  ...keepalive('db', 'PMS_DB', 'run SELECT 1', 5_000),
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
