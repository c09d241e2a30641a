// The front-desk message lamp (FIAS RE ML, "Room Data": a message waits for the guest at the front
// desk). The store says which rooms are lit (fias_message_lights); the room's phone shows it through
// a second mailbox, <room>@<voicemail.deskContext>, which every room endpoint watches beside its own
// (pjsip mailboxes=, written by pms-provision). That mailbox holds one marker message while the lamp
// is on and nothing otherwise, so Asterisk's own MWI lights the lamp: app_voicemail counts the
// marker, VoicemailRefresh makes it publish the count at once, and the phone's NOTIFY sums both
// mailboxes. Nobody listens to the marker: *98 plays the front-desk prompt before the guest's own
// messages (extensions_pms.conf).
//
// Decision: a marker in the spool rather than AMI's MWIUpdate (res_mwi_external cannot be loaded
// beside app_voicemail) or MailboxStateChange (Asterisk 22.13 and later only; Debian ships 22.10).
// It needs the spool, as the rest of voicemail does (voicemail.spoolDir).
import { access, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AmiLink } from '../pbx/types.js';
import { KeyedLock } from '../rooms/lock.js';
import type { RoomHooks } from '../rooms/service.js';
import { writeAtomic, type Spool } from './spool.js';

const MARKER = 'msg0000.txt';

export interface DeskLampDeps {
  spool: Spool;
  ami: AmiLink;
  /** voicemail.deskContext. */
  context: string;
  /** The store's word on a room's lamp, and every lit room. */
  lamps: { isOn(room: string): Promise<boolean>; lit(): Promise<string[]> };
  /** The hotel's rooms (hotel.rooms). */
  rooms: Iterable<string>;
  log: Logger;
  now?: () => Date;
}

export class DeskLamps {
  private readonly lock = new KeyedLock();

  constructor(private readonly d: DeskLampDeps) {}

  /**
   * Makes the room's desk mailbox say what the store says now, and refreshes it in Asterisk when it
   * changed. Run after every committed change of the lamp (an RE ML, a check-out, a room change);
   * serialised per room, so the last run always shows the last commit. Errors are logged: the next
   * resync (every AMI connect) puts it right.
   */
  show(room: string): Promise<void> {
    return this.lock.run(room, async () => {
      try {
        if (await this.align(room, await this.d.lamps.isOn(room)))
          await this.d.ami.action('VoicemailRefresh', { Context: this.d.context, Mailbox: room });
      } catch (err) {
        this.d.log.error({ room, err: (err as Error).message }, 'front-desk lamp not shown');
      }
    });
  }

  /** Every room's desk mailbox as the store says, then one refresh of the whole context. */
  async resync(): Promise<{ lit: number; changed: number }> {
    const lit = new Set(await this.d.lamps.lit());
    let changed = 0;
    for (const room of this.d.rooms)
      await this.lock.run(room, async () => {
        if (await this.align(room, lit.has(room))) changed++;
      });
    await this.d.ami.action('VoicemailRefresh', { Context: this.d.context });
    return { lit: lit.size, changed };
  }

  /** After a check-out (the lamp's row went with it) and a room change (it moved): show both rooms. */
  hooks(): RoomHooks {
    return {
      afterClean: (ext) => this.show(ext),
      afterMove: async (from, to) => {
        await this.show(from);
        await this.show(to);
      },
    };
  }

  /** Writes or removes the room's marker; true if the spool changed. */
  private async align(room: string, on: boolean): Promise<boolean> {
    const dir = this.d.spool.dir(this.d.context, room);
    const marker = join(dir, 'INBOX', MARKER);
    const has = await access(marker).then(
      () => true,
      () => false,
    );
    if (on === has) return false;
    if (on) {
      await mkdir(join(dir, 'INBOX'), { recursive: true });
      await writeAtomic(marker, markerText(room, this.d.context, this.d.now?.() ?? new Date()));
    } else await rm(dir, { recursive: true, force: true });
    this.d.log.info({ room, lamp: on ? 'on' : 'off' }, 'front-desk lamp');
    return true;
  }
}

/** app_voicemail's message metadata: what it needs to count (and list) the marker. */
function markerText(room: string, context: string, at: Date): string {
  return [
    ';',
    '; A message waits at the front desk (PMS message lamp): written by the PMS engine.',
    ';',
    '[message]',
    `origmailbox=${room}`,
    `context=${context}`,
    'macrocontext=',
    'exten=',
    'rdnis=unknown',
    'priority=1',
    'callerchan=',
    'callerid="Front desk" <>',
    `origdate=${at.toUTCString()}`,
    `origtime=${Math.floor(at.getTime() / 1000)}`,
    'category=',
    'msg_id=',
    'flag=',
    'duration=1',
    '',
  ].join('\n');
}
