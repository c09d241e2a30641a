// The composition root: builds every part from the typed config, wires them, starts and stops them.
import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import { HANDLERS, NOT_YET_AVAILABLE } from './handlers/index.js';
import type { Services } from './handlers/types.js';
import { AmiClient } from './pbx/ami/client.js';
import { AriClient } from './pbx/ari/client.js';
import { AccountBook } from './server/accounts.js';
import { Dispatcher } from './server/dispatcher.js';
import { PmsServer } from './server/server.js';
import { Store } from './store/db.js';
import { RoomStore } from './store/rooms.js';

export class Engine {
  readonly ami: AmiClient;
  readonly ari: AriClient;
  readonly store: Store;
  readonly rooms: RoomStore;
  readonly server: PmsServer;

  constructor(
    readonly config: Config,
    private readonly log: Logger,
  ) {
    this.ami = new AmiClient(config.ami, log);
    this.ari = new AriClient(config.ari, log);
    this.store = new Store(config.db, log.child({ link: 'db' }));
    this.rooms = new RoomStore(this.store);
    const services: Services = { accounts: new AccountBook(config.accounts), ami: this.ami };
    const dispatcher = new Dispatcher(HANDLERS, NOT_YET_AVAILABLE, services);
    this.server = new PmsServer(config, dispatcher, log.child({ component: 'pms' }));
  }

  /**
   * Listens for the PMS at once and brings the links up in the background: login and heartbeat work
   * while Asterisk or the database are still unreachable. Resolves with the bound PMS port.
   */
  async start(): Promise<number> {
    const port = await this.server.listen();
    this.ami.start();
    this.ari.start();
    void this.store.start();
    return port;
  }

  async stop(): Promise<void> {
    this.log.info('engine stopping');
    await this.server.close();
    await Promise.allSettled([this.ami.stop(), this.ari.stop(), this.store.stop()]);
    this.log.info('engine stopped');
  }
}
