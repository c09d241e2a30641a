// The composition root: builds every part from the typed config, wires them, starts and stops them.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import { attachFiasCore, buildFiasCore, type FiasCore } from './fias/core.js';
import type { FiasInbound, FiasOutbox } from './fias/ports.js';
import { roomStatusLine } from './fias/room-status.js';
import { FiasWire } from './fias/wire.js';
import { buildHandlers } from './handlers/index.js';
import type { Services } from './handlers/types.js';
import { AmiClient } from './pbx/ami/client.js';
import { AstDb } from './pbx/astdb.js';
import { AriClient } from './pbx/ari/client.js';
import { AccountBook } from './server/accounts.js';
import { Dispatcher } from './server/dispatcher.js';
import { PmsServer } from './server/server.js';
import { Store } from './store/db.js';
import { CdrSource } from './cdr/source.js';
import { RoomStore, roomsEmptyAtStart } from './store/rooms.js';
import { RoomMirror } from './rooms/mirror.js';
import { RoomSet } from './rooms/room-set.js';
import { RoomService } from './rooms/service.js';
import { FiasLampStore } from './store/fias-lamps.js';
import { CountStore } from './voicemail/count-store.js';
import { leaveMessageFields, VoicemailService } from './voicemail/service.js';
import { WakeupStore } from './store/wakeups.js';
import { AriWakeupCaller } from './wakeup/caller.js';
import { ChannelEvents } from './wakeup/channel-events.js';
import { needsAlert, ReceptionAlert, wakeupResultFields } from './wakeup/reception.js';
import { WakeupScheduler, type FinalResult } from './wakeup/scheduler.js';
import { PromptLibrary, WakeupService } from './wakeup/service.js';
import { Telemetry } from './telemetry/bus.js';
import { observeLinks } from './telemetry/links.js';

/** `resynced`: AstDB and voicemail re-synced; `resyncEnded`: a re-sync ran, whatever its outcome. */
export class Engine extends EventEmitter<{ resynced: []; resyncEnded: [] }> {
  /** The room core's side of FIAS (records applied, outbox), built when fias.enabled. */
  readonly #fiasCore: FiasCore | undefined;
  /** The *61 room-status code (src/fias/room-status.ts): stops listening. */
  readonly #stopRoomStatus: () => void;
  /** Undoes attachFiasCore: postings stopped, no DR check. */
  readonly #detachFiasCore: (() => void) | undefined;
  readonly ami: AmiClient;
  readonly ari: AriClient;
  readonly store: Store;
  readonly roomStore: RoomStore;
  readonly rooms: RoomService;
  readonly server: PmsServer;
  readonly voicemail: VoicemailService;
  readonly wakeups: WakeupService;
  readonly wakeupScheduler: WakeupScheduler;
  /** The FIAS link to an Oracle-style PMS; undefined unless fias.enabled. */
  readonly fias: FiasWire | undefined;
  /** What the engine tells the operator console and /metrics. */
  readonly telemetry = new Telemetry();
  readonly #stopObserving: () => void;
  readonly cdr: CdrSource;
  readonly wakeupStore: WakeupStore;
  readonly voicemailCounts: CountStore;
  readonly lamps: FiasLampStore;

  /**
   * `fiasPorts`: tests may give their own FIAS handler and outbox; by default, with fias.enabled, the
   * room core's (src/fias/core.ts): records applied through the room service, a durable outbox.
   */
  constructor(
    readonly config: Config,
    private readonly log: Logger,
    fiasPorts?: { inbound: FiasInbound; outbox: FiasOutbox },
  ) {
    super();
    this.ami = new AmiClient(config.ami, log);
    this.ari = new AriClient(config.ari, log);
    this.store = new Store(config.db, log.child({ link: 'db' }));
    this.roomStore = new RoomStore(this.store);
    // Read as the store first opens, before a record of the PMS can write a room (our DR).
    const emptyAtStart = roomsEmptyAtStart(this.store);
    const roomSet = RoomSet.parse(config.hotel.rooms);
    const mirror = new RoomMirror(new AstDb(this.ami), config.numbering, config.ari.app);
    this.rooms = new RoomService(
      this.roomStore,
      mirror,
      this.ami,
      roomSet,
      log.child({ component: 'rooms' }),
    );
    this.rooms.onChanged = (rooms) => this.telemetry.tell('rooms', rooms);
    // What the room service knows of the store and of AstDB holds while their links stay as they were.
    this.store.on('state', () => this.rooms.forget());
    this.ami.on('state', () => this.rooms.forget());
    this.voicemailCounts = new CountStore(this.store);
    this.lamps = new FiasLampStore(this.store);
    this.voicemail = new VoicemailService({
      config: config.voicemail,
      ami: this.ami,
      rooms: this.rooms,
      repo: this.roomStore,
      counts: this.voicemailCounts,
      roomSet,
      lamps: this.lamps,
      deskPrompt: `${config.wakeup.asteriskPromptDir}/ulaw/pms-desk-message`,
      log: log.child({ component: 'voicemail' }),
      // seed 000 §5.4.9: pushed unasked to the PMS and the operator consoles.
      notify: (ext, counts) => {
        this.server.broadcast('Query', 'LeaveMessage', leaveMessageFields(ext, counts));
        this.#fiasCore?.onMessageCounts(ext, counts);
        this.telemetry.tell('leaveMessage', ext);
        this.telemetry.tell('rooms', [ext]);
      },
    });
    this.rooms.addHooks(this.voicemail.hooks());
    const wakeupLog = log.child({ component: 'wakeup' });
    const wakeupStore = new WakeupStore(this.store);
    wakeupStore.onChanged = () => this.telemetry.tell('wakeups');
    this.wakeupStore = wakeupStore;
    const channels = new ChannelEvents(this.ari);
    const reception = new ReceptionAlert(this.ari, channels, config.wakeup, config.ari.app, wakeupLog);
    const onFinal = (r: FinalResult): void => {
      this.#fiasCore?.onWakeupFinal(r);
      if (config.wakeup.notifyPms) this.server.broadcast('Query', 'WakeupResult', wakeupResultFields(r));
      if (needsAlert(r.state) && config.wakeup.receptionExtension)
        void reception
          .alert(r.occurrence)
          .then((how) =>
            wakeupLog.info(
              { event: 'wakeup.alert', room: r.occurrence.extension, occurrence: r.occurrence.id, how },
              'reception alert',
            ),
          );
    };
    this.wakeupScheduler = new WakeupScheduler(
      wakeupStore,
      new AriWakeupCaller(this.ari, channels, config.wakeup, config.ari.app, wakeupLog),
      config.wakeup,
      wakeupLog,
      Date.now,
      onFinal,
      (a) => this.telemetry.tell('attempt', a),
    );
    this.wakeups = new WakeupService(wakeupStore, this.wakeupScheduler, this.rooms, config, wakeupLog);
    this.rooms.addHooks(this.wakeups);
    const cdr = new CdrSource(this.store, config);
    this.cdr = cdr;
    this.#fiasCore =
      config.fias.enabled && !fiasPorts
        ? buildFiasCore({
            config,
            store: this.store,
            rooms: this.rooms,
            wakeups: this.wakeups,
            calls: cdr,
            showLamp: async (room) => {
              await this.voicemail.desk.show(room);
              this.telemetry.tell('rooms', [room]);
            },
            log,
          })
        : undefined;
    const ports = config.fias.enabled ? (fiasPorts ?? this.#fiasCore) : undefined;
    this.fias = ports
      ? new FiasWire({
          fias: config.fias,
          timeZone: config.hotel.timeZone,
          log,
          inbound: ports.inbound,
          outbox: ports.outbox,
        })
      : undefined;
    this.#stopRoomStatus = roomStatusLine({
      ari: this.ari,
      isRoom: (ext) => this.rooms.rooms.has(ext),
      outbox: this.#fiasCore?.outbox,
      log: log.child({ component: 'room-status' }),
    });
    this.#detachFiasCore =
      this.fias && this.#fiasCore
        ? attachFiasCore(this.#fiasCore, this.fias, () => emptyAtStart, log)
        : undefined;
    const services: Services = {
      accounts: new AccountBook(config.accounts),
      ami: this.ami,
      rooms: this.rooms,
      cdr,
      voicemail: this.voicemail,
      wakeups: this.wakeups,
      fias: this.fias,
      postings: this.#fiasCore?.postingStore,
    };
    const handlers = buildHandlers(roomSet, config, new PromptLibrary(config.wakeup.promptDir));
    const dispatcher = new Dispatcher(handlers, services, undefined, this.telemetry);
    this.server = new PmsServer(config, dispatcher, log.child({ component: 'pms' }), this.telemetry);
    this.#stopObserving = observeLinks(this.telemetry, {
      ami: this.ami,
      ari: this.ari,
      db: this.store,
      fias: this.fias,
    });
  }

  /**
   * Listens for the PMS at once and brings the links up in the background: login and heartbeat work
   * while Asterisk or the database are still unreachable. Resolves with the bound PMS port.
   */
  async start(): Promise<number> {
    // Whenever AMI (re)connects — start, reconnect, Asterisk restart — AstDB is rewritten from the
    // store; if the store comes up later, that triggers it instead.
    this.ami.on('ready', () => void this.resync('AMI ready'));
    this.store.on('ready', () => void this.resync('database ready'));
    // The wake-up schedule lives in the store: it runs as soon as the store is up (calls placed while
    // ARI is down fail and are retried, so nothing waits on the PBX here).
    this.store.on('ready', () => {
      this.#fiasCore
        ?.recover()
        .catch((err: unknown) =>
          this.log.error(
            { err: (err as Error).message },
            'FIAS: queueing the WA of finished wake-ups failed',
          ),
        );
      this.wakeupScheduler
        .start()
        .catch((err: unknown) =>
          this.log.error(
            { err: (err as Error).message },
            'wake-up scheduler could not start; retrying on its next sweep',
          ),
        );
    });
    // Call charges: a poll as soon as the store is up (on a first start it sets the cursor, from which
    // calls are posted), then every 5 s.
    this.store.on('ready', () => void this.#fiasCore?.charges?.poll().catch(() => undefined));
    // The scheduler asks Asterisk for calls a dead engine left up before it places any: on ARI ready.
    this.ari.on('ready', () => this.wakeupScheduler.rearm());
    this.voicemail.start();
    const port = await this.server.listen();
    this.ami.start();
    this.ari.start();
    void this.store.start();
    this.fias?.start();
    this.#fiasCore?.charges?.start();
    return port;
  }

  /** Rewrites AstDB from the store when both are up; a failure waits for the next `ready`. */
  async resync(reason: string): Promise<void> {
    if (this.ami.state !== 'ready' || this.store.state !== 'ready') return;
    try {
      const { rooms, ms } = await this.rooms.resync();
      this.log.info({ reason, rooms, ms }, 'AstDB re-synced from the store');
      // The voicemail include file and the message counts (LeaveMessage missed during an outage).
      const vm = await this.voicemail.resync();
      this.log.info({ reason, ...vm }, 'voicemail re-synced');
      this.emit('resynced');
    } catch (err) {
      this.log.error(
        { reason, err: (err as Error).message },
        're-sync (AstDB, voicemail) failed; will retry on the next ready',
      );
    } finally {
      this.emit('resyncEnded');
    }
  }

  /** Records waiting for the PMS in the FIAS outbox (0 without the room core's outbox). */
  fiasOutboxDepth(): Promise<number> {
    return this.#fiasCore?.outbox.depth() ?? Promise.resolve(0);
  }

  async stop(): Promise<void> {
    this.log.info('engine stopping');
    this.wakeupScheduler.stop();
    this.#detachFiasCore?.();
    this.#stopRoomStatus();
    this.#stopObserving();
    // LE to the PMS first (seed 002 WAIT_LE), bounded: the link is CLOSED or given up on within 3 s.
    await this.fias?.stop(3_000);
    await this.server.close();
    await Promise.allSettled([this.ami.stop(), this.ari.stop(), this.store.stop()]);
    this.log.info('engine stopped');
  }
}
