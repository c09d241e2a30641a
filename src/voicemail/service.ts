// Voicemail of the rooms (seed 000 §5.4.4, §5.4.9): the mailbox settings live in the store (rooms
// table), Asterisk gets them through the engine-owned include file (conf.ts) and an AMI reload, the
// messages stay in Asterisk's spool (spool.ts), and every change of a room's message counts is pushed
// to the PMS as LeaveMessage.
//
// The message lamp (Usevmwi): each room endpoint watches <room>@<mwiContext> (pjsip mailboxes=, a
// pure function of the room number). A room with Usevmwi: 1 has its mailbox in that context, so
// Asterisk's own MWI lights its lamp; with Usevmwi: 0 the mailbox lives in the plain context, which
// no phone watches. Changing Usevmwi moves the mailbox (and its messages) between the two.
//
// The front-desk lamp (desk-lamps.ts) is a third context with a mailbox for every room, in the same
// include file.
//
// Counts: Asterisk's MessageWaiting events (a message left, listened to, deleted) and, whenever AMI
// (re)connects, a MailboxCount of every room mailbox, so nothing is missed during an outage. Only
// counts that differ from the last ones reported (table voicemail_counts) are pushed.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { text } from '../pbx/ami/pending.js';
import { AstDb } from '../pbx/astdb.js';
import type { AmiEvent, AmiLink } from '../pbx/types.js';
import { KeyedLock } from '../rooms/lock.js';
import type { RoomSet } from '../rooms/room-set.js';
import type { RoomHooks, RoomService } from '../rooms/service.js';
import { cleanRoom, type Room, type RoomRepo } from '../store/rooms.js';
import { contextOf, renderInclude, type Contexts, type MailboxSettings } from './conf.js';
import type { CountRepo, MessageCounts } from './count-store.js';
import { DeskLamps, type DeskLampDeps } from './desk-lamps.js';
import { Spool, writeAtomic } from './spool.js';

export type { MailboxSettings } from './conf.js';
export type { MessageCounts } from './count-store.js';

/** What handlers see of voicemail. */
export interface VoicemailControl {
  /** Applies a VoiceMail command: store, include file + reload, messages moved/removed; all or nothing. */
  configure(extension: string, settings: MailboxSettings, signal?: AbortSignal): Promise<void>;
}

export interface VoicemailDeps {
  config: Config['voicemail'];
  ami: AmiLink;
  rooms: RoomService;
  repo: RoomRepo;
  counts: CountRepo;
  roomSet: RoomSet;
  /** The store's front-desk lamps (FIAS RE ML). */
  lamps: DeskLampDeps['lamps'];
  /** The prompt *98 plays while the desk lamp is on, as Asterisk finds it (no extension). */
  deskPrompt: string;
  log: Logger;
  /** Pushes a LeaveMessage to every logged-in session. */
  notify(extension: string, counts: MessageCounts): void;
}

const ZERO: MessageCounts = { newMessages: 0, oldMessages: 0 };

export class VoicemailService implements VoicemailControl {
  readonly contexts: Contexts;
  /** The front-desk lamps: show(room) after a committed change of one. */
  readonly desk: DeskLamps;
  private readonly spool: Spool;
  /** Serialises the message-count bookkeeping of a room (not its state: that is the room lock's). */
  private readonly countLock = new KeyedLock();
  /** Serialises renders of the include file. */
  private writing: Promise<unknown> = Promise.resolve();
  /** Mailbox settings of updates in flight (inside their store transaction), by room. */
  private readonly pending = new Map<string, MailboxSettings>();
  /** The include content app_voicemail last reloaded successfully; undefined: unknown. */
  private loaded: string | undefined;
  /** Stable while the process runs: an unchanged store renders an unchanged file. */
  private readonly secret = randomBytes(32).toString('hex');
  /** Context of every enabled mailbox as last written; events of other mailboxes are ignored. */
  private contextByRoom = new Map<string, string>();
  private known: Map<string, MessageCounts> | undefined;

  constructor(private readonly deps: VoicemailDeps) {
    const { context, mwiContext, deskContext, spoolDir } = deps.config;
    if (new Set([context, mwiContext, deskContext]).size !== 3)
      throw new ConfigError([
        'voicemail.context, voicemail.mwiContext and voicemail.deskContext must be three different contexts',
      ]);
    this.contexts = { plain: context, mwi: mwiContext, desk: deskContext };
    this.spool = new Spool(spoolDir);
    this.desk = new DeskLamps({
      spool: this.spool,
      ami: deps.ami,
      context: deskContext,
      lamps: deps.lamps,
      rooms: deps.roomSet,
      log: deps.log,
    });
  }

  /** Follows Asterisk's MessageWaiting events from now on. */
  start(): void {
    this.deps.ami.on('event', (e) => {
      if (e.event === 'MessageWaiting') void this.onMessageWaiting(e);
    });
  }

  /** The check-out and room-change side of voicemail (seed 000 §5.4.6, §5.4.8), desk lamps included. */
  hooks(): RoomHooks {
    const desk = this.desk.hooks();
    return {
      afterClean: async (ext) => {
        await this.afterClean(ext);
        await desk.afterClean?.(ext);
      },
      afterMove: async (from, to) => {
        await this.afterMove(from, to);
        await desk.afterMove?.(from, to);
      },
    };
  }

  /**
   * One VoiceMail command, as the effect of a room update (under the room's lock, in its store
   * transaction): the messages move, the include file is rendered with the new settings and
   * app_voicemail reloads before the store commits. A reload that fails rolls the store back, and
   * the messages and the file are put back. Messages of a mailbox turned off are deleted only once
   * the change is committed.
   */
  async configure(ext: string, settings: MailboxSettings, signal?: AbortSignal): Promise<void> {
    await this.deps.rooms.update(ext, (r) => ({ ...r, voicemail: settings }), {
      signal,
      effect: (before) => {
        const previous = before.voicemail;
        let moved = false;
        return {
          inTx: async (tx) => {
            moved = await this.moveMessages(ext, previous, settings);
            await this.syncConfig({ tx, pending: [ext, settings] });
          },
          committed: async () => {
            await this.settled(ext);
            if (!settings.enabled) await this.spool.remove(ext, [this.contexts.plain, this.contexts.mwi]);
            await this.refresh(ext, contextOf(previous, this.contexts));
          },
          rolledBack: async () => {
            await this.settled(ext);
            this.deps.log.error({ phone: ext }, 'voicemail change not applied');
            if (moved) await this.moveMessages(ext, settings, previous);
            // The file back as the store is again (the next sync retries if Asterisk is away).
            await this.syncConfig();
          },
        };
      },
    });
  }

  /**
   * Rewrites the include file from the store, reloads app_voicemail, and reconciles the message
   * counts with what Asterisk has. Run whenever AMI and the store are (again) ready.
   */
  async resync(): Promise<{ mailboxes: number; pushed: number; deskLamps: number }> {
    // The dialplan (extensions_pms.conf, [pms-vm-box], [pms-desk-message]) finds a room's mailbox in
    // the first two contexts, its front-desk lamp in the third.
    const astdb = new AstDb(this.deps.ami);
    await astdb.put('pms', 'voicemail/context', this.contexts.plain);
    await astdb.put('pms', 'voicemail/mwi_context', this.contexts.mwi);
    await astdb.put('pms', 'voicemail/desk_context', this.contexts.desk);
    await astdb.put('pms', 'voicemail/desk_prompt', this.deps.deskPrompt);
    const mailboxes = await this.syncConfig({ always: true });
    const desk = await this.desk.resync();
    const known = await this.knownCounts();
    const rooms = new Set([...this.contextByRoom.keys()]);
    for (const [ext, c] of known)
      if ((c.newMessages || c.oldMessages) && this.deps.roomSet.has(ext)) rooms.add(ext);
    let pushed = 0;
    for (const ext of rooms) if (await this.report(ext, await this.readCounts(ext))) pushed++;
    return { mailboxes, pushed, deskLamps: desk.lit };
  }

  /**
   * Mailboxes Asterisk has loaded in the two room contexts ("8001@pms-vm"), read back over AMI: after
   * a sync it must be exactly the enabled rooms of the store.
   */
  async loadedMailboxes(): Promise<string[]> {
    const res = await this.deps.ami.action('VoicemailUsersList');
    return res.events
      .filter((e) => e.event === 'VoicemailUserEntry')
      .map((e) => `${text(e.fields, 'voicemailbox') ?? ''}@${text(e.fields, 'vmcontext') ?? ''}`)
      .filter((id) => [this.contexts.plain, this.contexts.mwi].includes(id.split('@')[1]!))
      .sort();
  }

  // --- room lifecycle ----------------------------------------------------------------------------

  // Both run under the rooms' lock (the room service calls them after the commit).
  private async afterClean(ext: string): Promise<void> {
    await this.spool.remove(ext, [this.contexts.plain, this.contexts.mwi]);
    await this.syncConfig();
    await this.refresh(ext, this.contexts.mwi);
  }

  private async afterMove(from: string, to: string): Promise<void> {
    const target = await this.deps.repo.get(to);
    const context = contextOf(target.voicemail, this.contexts);
    // Whatever the new room held belonged to its previous guest.
    await this.spool.remove(to, [this.contexts.plain, this.contexts.mwi]);
    for (const c of [this.contexts.plain, this.contexts.mwi])
      if (await this.spool.exists(c, from))
        await this.spool.move({ context: c, extension: from }, { context, extension: to });
    await this.spool.remove(from, [this.contexts.plain, this.contexts.mwi]);
    await this.syncConfig();
    await this.refresh(from, this.contexts.mwi);
    await this.refresh(to, this.contexts.mwi);
  }

  /** Moves or deletes the room's messages for a settings change; true if something moved. */
  private async moveMessages(ext: string, from: MailboxSettings, to: MailboxSettings): Promise<boolean> {
    // Decision: `Use: 0` removes the mailbox with its messages (a mailbox nobody can reach must not
    // hand its messages to the room's next guest): done once committed, see configure.
    if (!to.enabled) return false;
    const [a, b] = [contextOf(from, this.contexts), contextOf(to, this.contexts)];
    if (a === b || !(await this.spool.exists(a, ext))) return false;
    await this.spool.move({ context: a, extension: ext }, { context: b, extension: ext });
    return true;
  }

  // --- the include file ---------------------------------------------------------------------------

  /**
   * Renders the include from the store (as `tx` sees it, when given) with every pending change laid
   * over it, writes it if it differs from the file, and reloads app_voicemail unless Asterisk has
   * loaded exactly this content already. Serialised: one render at a time.
   */
  private syncConfig(
    opts: { always?: boolean; tx?: unknown; pending?: [string, MailboxSettings] } = {},
  ): Promise<number> {
    const run = this.writing.then(async () => {
      if (opts.pending) this.pending.set(...opts.pending);
      const stored = new Map((await this.deps.repo.list(opts.tx)).map((r) => [r.extension, r]));
      // A change not yet committed elsewhere stays in the file whatever snapshot `tx` reads.
      for (const [ext, voicemail] of this.pending)
        stored.set(ext, { ...(stored.get(ext) ?? cleanRoom(ext)), voicemail });
      const rooms = [...stored.values()].filter(
        (r) => r.voicemail.enabled && this.deps.roomSet.has(r.extension),
      );
      const content = renderInclude(rooms, this.contexts, this.secret, this.deps.roomSet);
      const file = this.deps.config.includeFile;
      const onDisk = await readFile(file, 'utf8').catch(() => undefined);
      if (onDisk !== content) await writeAtomic(file, content);
      if (content !== this.loaded || opts.always) {
        // Unknown until Asterisk answers: a failed reload is retried by the next sync, file changed or not.
        this.loaded = undefined;
        await this.deps.ami.action('Reload', { Module: this.deps.config.reloadModule });
        this.loaded = content;
        this.deps.log.info({ file, mailboxes: rooms.length }, 'voicemail include written, reloaded');
      }
      this.contextByRoom = new Map(
        rooms.map((r: Room) => [r.extension, contextOf(r.voicemail, this.contexts)]),
      );
      return rooms.length;
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** The room's change is committed or rolled back: the store alone speaks for it again. */
  private settled(ext: string): Promise<void> {
    const done = this.writing.then(() => {
      this.pending.delete(ext);
    });
    this.writing = done;
    return done;
  }

  // --- message counts ---------------------------------------------------------------------------

  /** Lamp and counts of one room after the engine changed its spool or mailbox. */
  private async refresh(ext: string, ...contexts: string[]): Promise<void> {
    // VoicemailRefresh makes app_voicemail re-count the watched mailbox: the lamp follows at once.
    for (const context of new Set([this.contexts.mwi, ...contexts]))
      await this.deps.ami.action('VoicemailRefresh', { Context: context, Mailbox: ext });
    await this.report(ext, await this.readCounts(ext));
  }

  /** The room's counts as Asterisk sees them on disk (0/0 without a mailbox). */
  private async readCounts(ext: string): Promise<MessageCounts> {
    const context = this.contextByRoom.get(ext);
    if (!context) return ZERO;
    const res = await this.deps.ami.action('MailboxCount', { Mailbox: `${ext}@${context}` });
    const n = (k: string): number => Number(text(res.fields, k) ?? 0) || 0;
    return { newMessages: n('newmessages') + n('urgmessages'), oldMessages: n('oldmessages') };
  }

  private async onMessageWaiting(e: AmiEvent): Promise<void> {
    try {
      const [ext, context] = (text(e.fields, 'mailbox') ?? '').split('@');
      if (!ext || this.contextByRoom.get(ext) !== context) return; // not a room mailbox (now)
      const n = (k: string): number => Number(text(e.fields, k) ?? 0) || 0;
      await this.report(ext, { newMessages: n('new'), oldMessages: n('old') });
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, 'MessageWaiting not processed');
    }
  }

  /** Records the room's counts and pushes LeaveMessage if they changed; true if pushed. */
  private report(ext: string, counts: MessageCounts): Promise<boolean> {
    return this.countLock.run(ext, async () => {
      const known = await this.knownCounts();
      const last = known.get(ext) ?? ZERO;
      if (last.newMessages === counts.newMessages && last.oldMessages === counts.oldMessages) return false;
      known.set(ext, counts);
      this.deps.notify(ext, counts);
      this.deps.log.info({ phone: ext, ...counts }, 'message counts changed: LeaveMessage pushed');
      await this.deps.counts.save(ext, counts);
      return true;
    });
  }

  private async knownCounts(): Promise<Map<string, MessageCounts>> {
    this.known ??= await this.deps.counts.all();
    return this.known;
  }
}

/** The LeaveMessage fields (seed 000 §5.4.9) after the header the server adds. */
export function leaveMessageFields(ext: string, c: MessageCounts): Array<[string, string]> {
  return [
    ['Phone', ext],
    ['LeaveNewMessage', String(c.newMessages)],
    ['LeaveOldMessage', String(c.oldMessages)],
  ];
}
