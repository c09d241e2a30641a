// The shape of the configuration and of one key's specification: what every *-keys.ts module and the
// loader (index.ts) share. Types only, so the key modules import it and nothing imports them back.

/** `fias.encoding`: the code pages of src/fias/codec/encoding.ts (named here so config stays at the bottom). */
export type FiasConfigEncoding = 'latin1' | 'cp850' | 'utf8';
/** How call charges reach the PMS: costed by it (PT T), by us with fias.tariffs (PT C), or not at all. */
export type FiasCallCharges = 'duration' | 'amount' | 'off';

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
    maxInFlight: number;
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
    deskContext: string;
    reloadModule: string;
  };
  /** The operator console (src/config/http-keys.ts, src/console/). */
  http: {
    enabled: boolean;
    host: string;
    port: number;
    certFile: string;
    keyFile: string;
    sessionHours: number;
    conversationFrames: number;
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
    callCharges: FiasCallCharges;
    /** `type:setup+price/seconds,…`: read with parseTariffs (src/domain/tariffs.ts). */
    tariffs: string;
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
