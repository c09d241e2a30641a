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

export interface Config {
  listen: { host: string; port: number };
  session: { idleTimeoutSec: number; maxFrameBytes: number; maxDiscardBytes: number };
  accounts: Account[];
  ami: {
    host: string;
    port: number;
    username: string;
    password: string;
    actionTimeoutMs: number;
    connectTimeoutMs: number;
    reconnect: BackoffConfig;
  };
  ari: {
    url: string;
    username: string;
    password: string;
    app: string;
    connectTimeoutMs: number;
    reconnect: BackoffConfig;
  };
  db: {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
    connectTimeoutMs: number;
  };
  log: { level: string; pretty: boolean };
}

export type Kind = 'string' | 'int' | 'bool' | 'accounts';

export interface KeySpec {
  /** Dotted path in the config file, e.g. `ami.port`. */
  path: string;
  env: string;
  kind: Kind;
  default: unknown;
  doc: string;
  min?: number;
  max?: number;
  /** Extra check; returns a problem in words a technician can act on, or undefined. */
  check?: (value: unknown) => string | undefined;
  secret?: boolean;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const nonEmpty = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? undefined : 'must not be empty';

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
    path: 'accounts',
    env: 'PMS_ACCOUNTS',
    kind: 'accounts',
    default: [{ user: 'admin', password: 'admin', grade: 1 }],
    doc: 'PMS/console accounts, JSON: [{"user":"admin","password":"…","grade":1}] (grade 1 admin, 2 operator)',
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
    doc: 'an AMI action not answered in this time fails',
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
  ...backoff('ari', 'PMS_ARI'),
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
