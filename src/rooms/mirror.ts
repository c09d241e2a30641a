// Writes room state and the hotel's numbering into AstDB, where the dialplan reads them
// (asterisk-conf/extensions_pms.conf). The layout below is the contract with that dialplan.
//   pms/<ext>/class        1..5                 class of service (ExtenLimit)
//   pms/<ext>/name         UTF-8, may be empty  guest name, used as the caller name of the room
//   pms/<ext>/dnd          1 | 0
//   pms/<ext>/dnd_from     epoch seconds, 0 = unbounded   DND window; the dialplan compares with
//   pms/<ext>/dnd_until    epoch seconds, 0 = unbounded   ${EPOCH}, so it starts and ends by itself
//   pms/<ext>/group        group name
//   pms/numbering/{outside,local_area,national,international,enterprise,emergency}
//   pms/engine/ari_app     the engine's Stasis application (the *61 room-status code goes to it)
import type { Config } from '../config/index.js';
import type { AstDb } from '../pbx/astdb.js';
import type { Room } from '../store/rooms.js';

export const FAMILY = 'pms';

const epoch = (d: Date | null): string => (d ? String(Math.floor(d.getTime() / 1000)) : '0');

/** The AstDB keys (under FAMILY) and values that represent `room`. */
export function roomKeys(room: Room): Array<[string, string]> {
  const k = room.extension;
  return [
    [`${k}/class`, String(room.classOfService)],
    [`${k}/name`, room.guestName ?? ''],
    [`${k}/dnd`, room.dnd.on ? '1' : '0'],
    [`${k}/dnd_from`, epoch(room.dnd.start)],
    [`${k}/dnd_until`, epoch(room.dnd.end)],
    [`${k}/group`, room.group],
  ];
}

/**
 * The keys of `after` whose values differ from `before` (both of the same room): what a change must
 * write when AstDB holds `before`. Every key when `before` is undefined (AstDB's state not known).
 */
export function changedKeys(before: Room | undefined, after: Room): Array<[string, string]> {
  const next = roomKeys(after);
  if (!before || before.extension !== after.extension) return next;
  const prev = new Map(roomKeys(before));
  return next.filter(([k, v]) => prev.get(k) !== v);
}

export function numberingKeys(n: Config['numbering']): Array<[string, string]> {
  return [
    ['numbering/outside', n.outsideCode],
    ['numbering/local_area', n.localAreaCode],
    ['numbering/national', n.nationalPrefix],
    ['numbering/international', n.internationalPrefix],
    ['numbering/enterprise', n.enterprisePrefixes.join(',')],
    ['numbering/emergency', n.emergencyNumbers.join(',')],
  ];
}

export class RoomMirror {
  constructor(
    private readonly astdb: AstDb,
    private readonly numbering: Config['numbering'],
    /** ari.app, for the dialplan's feature codes that talk to the engine; none in unit tests. */
    private readonly ariApp?: string,
  ) {}

  async write(room: Room): Promise<void> {
    await this.putAll(roomKeys(room));
  }

  /** Writes the given keys of rooms (from roomKeys / changedKeys), all in flight at once. */
  async writeKeys(pairs: Array<[string, string]>): Promise<void> {
    await this.putAll(pairs);
  }

  /** The hotel-wide keys: the numbering and the engine's ARI application. */
  async writeNumbering(): Promise<void> {
    const app: Array<[string, string]> = this.ariApp ? [['engine/ari_app', this.ariApp]] : [];
    await this.putAll([...numberingKeys(this.numbering), ...app]);
  }

  private async putAll(pairs: Array<[string, string]>): Promise<void> {
    // All in flight at once on the one AMI connection; any failure fails the whole write.
    await Promise.all(pairs.map(([key, value]) => this.astdb.put(FAMILY, key, value)));
  }
}
