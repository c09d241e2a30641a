// Starts a real PMS server on a free loopback port with fake PBX services, for session tests.
import { loadConfig, type Config, type DeepPartial } from '../../../src/config/index.js';
import { buildHandlers } from '../../../src/handlers/index.js';
import type { Handler, Services } from '../../../src/handlers/types.js';
import { silentLogger, type Logger } from '../../../src/log.js';
import { AccountBook } from '../../../src/server/accounts.js';
import { Dispatcher } from '../../../src/server/dispatcher.js';
import { PmsServer } from '../../../src/server/server.js';
import { PmsClient } from '../../../src/client/pms-client.js';
import { FakeAmi } from './fake-pbx.js';
import { MemoryRooms } from './memory-rooms.js';
import { FakeCdr } from './fake-cdr.js';
import { FakeVoicemail } from './fake-voicemail.js';
import { FakeWakeups } from './fake-wakeups.js';
import { PromptLibrary } from '../../../src/wakeup/service.js';
import { AstDb } from '../../../src/pbx/astdb.js';
import { RoomMirror } from '../../../src/rooms/mirror.js';
import { RoomSet } from '../../../src/rooms/room-set.js';
import { RoomService } from '../../../src/rooms/service.js';
import { hashPassword } from '../../../src/domain/password-hash.js';

export interface Harness {
  config: Config;
  server: PmsServer;
  ami: FakeAmi;
  store: MemoryRooms;
  cdr: FakeCdr;
  rooms: RoomService;
  voicemail: FakeVoicemail;
  wakeups: FakeWakeups;
  port: number;
  client(): Promise<PmsClient>;
  /** A client already logged in as admin. */
  loggedIn(): Promise<PmsClient>;
  close(): Promise<void>;
}

export const ADMIN = { user: 'admin', password: 's3cret-admin', grade: 1 as const };
export const OPERATOR = { user: 'console', password: 'op-pass', grade: 2 as const };

// The harness stores its accounts as hashes, as a hotel should, with a cheap N: the product's 2^15
// (about 0.1 s a check, tested in password-hash.test.ts) would make the tests' hundreds of logins slow.
const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };
const hashedAccounts = (async () => [
  { ...ADMIN, password: await hashPassword(ADMIN.password, TEST_SCRYPT) },
  { ...OPERATOR, password: await hashPassword(OPERATOR.password, TEST_SCRYPT) },
])();

export async function startHarness(
  values: DeepPartial<Config> = {},
  extraHandlers: Handler[] = [],
  deadlineMs?: number,
  log: Logger = silentLogger(),
  extraServices: Pick<Services, 'fias' | 'postings'> = {},
): Promise<Harness> {
  const config = loadConfig({
    env: {},
    values: {
      listen: { host: '127.0.0.1', port: 0 },
      accounts: await hashedAccounts,
      ami: { username: 'x', password: 'x' },
      ari: { username: 'x', password: 'x' },
      hotel: { rooms: '8001-8004,8101', timeZone: 'Asia/Shanghai' },
      log: { level: 'silent' },
      ...values,
    },
  });
  const ami = new FakeAmi();
  const store = new MemoryRooms();
  const roomSet = RoomSet.parse(config.hotel.rooms);
  const mirror = new RoomMirror(new AstDb(ami), config.numbering);
  const rooms = new RoomService(store, mirror, ami, roomSet, silentLogger());
  const cdr = new FakeCdr();
  const voicemail = new FakeVoicemail(rooms);
  const wakeups = new FakeWakeups();
  const services = {
    accounts: new AccountBook(config.accounts),
    ami,
    rooms,
    cdr,
    voicemail,
    wakeups,
    ...extraServices,
  };
  const prompts = new PromptLibrary(config.wakeup.promptDir);
  const handlers = [...buildHandlers(roomSet, config, prompts), ...extraHandlers];
  const dispatcher = new Dispatcher(handlers, services, deadlineMs);
  const server = new PmsServer(config, dispatcher, log);
  const port = await server.listen();
  const clients: PmsClient[] = [];
  const client = async (): Promise<PmsClient> => {
    const c = await PmsClient.connect(port);
    clients.push(c);
    return c;
  };
  return {
    config,
    server,
    ami,
    store,
    cdr,
    rooms,
    voicemail,
    wakeups,
    port,
    client,
    async loggedIn() {
      const c = await client();
      const r = await c.call(loginFields(ADMIN.user, ADMIN.password));
      if (r.get('Response') !== 'Success') throw new Error('harness login failed');
      return c;
    },
    async close() {
      for (const c of clients) c.socket.destroy();
      await server.close(500);
    },
  };
}

export const loginFields = (user: string, password: string): Array<[string, string]> => [
  ['Action', 'UserLogin'],
  ['CallMethod', 'Account'],
  ['User', user],
  ['Password', password],
];

export const HEARTBEAT: Array<[string, string]> = [
  ['Action', 'UserLogin'],
  ['CallMethod', 'HeartBeat'],
];
