// Room (maid) status keyed on the room's phone: `*61<status>[<maid id>]` (asterisk-conf/
// extensions_pms.conf, [pms-internal]) hands the call to the engine's ARI application with the room and
// the digits. The engine checks them, queues `RE|RN<room>|RS<status>|[ID<maid>|]` in the FIAS outbox
// (it goes out once the link may send, like every record for the PMS) and answers with a
// confirmation beep, or three error beeps when the code or room is refused or the record could not be
// queued. Status is one digit of FIAS RS ("Room Data"): 1 dirty/vacant, 2 dirty/occupied, 3 clean/
// vacant, 4 clean/occupied, 5 inspected/vacant, 6 inspected/occupied, 8 DND, 9 make-up room; the maid
// id is 1-16 digits.
import type { Logger } from '../log.js';
import type { AriClient, AriRest } from '../pbx/ari/client.js';
import type { StasisStartEvent } from '../pbx/ari/events.js';
import { buildRE, type RoomStatus } from './records/index.js';
import type { FiasRecord } from './record.js';

/** First Stasis argument of a room-status call (the dialplan's contract). */
export const ROOM_STATUS_ARG = 'room-status';

/** Asterisk's own beep (core sounds, about 0.4 s): taken. */
const CONFIRM: readonly string[] = ['sound:beep'];
/** Its error beep three times (about 1.1 s): refused. */
const REFUSED: readonly string[] = ['sound:beeperr', 'sound:beeperr', 'sound:beeperr'];
/** The phone's media path opens just after the answer: the tone starts this long after it. */
const SETTLE_MS = 300;
/** The longest tone and a margin: the call is hung up this long after the tone started. */
const TONE_MS = 1_600;

export interface RoomStatusCode {
  status: RoomStatus;
  maidId?: string;
}

/** `<status>[<maid id>]` as dialled after *61; a problem in words when it is not one. */
export function parseRoomStatusCode(digits: string): RoomStatusCode | string {
  const m = /^([1-689])(\d{1,16})?$/.exec(digits);
  if (!m) return `"${digits}" is not <status 1-6, 8 or 9>[<maid id, 1-16 digits>]`;
  return m[2] === undefined
    ? { status: Number(m[1]) as RoomStatus }
    : { status: Number(m[1]) as RoomStatus, maidId: m[2] };
}

export interface RoomStatusDeps {
  ari: Pick<AriClient, 'onEvent' | 'client'>;
  /** A room of this hotel (hotel.rooms). */
  isRoom: (extension: string) => boolean;
  /** The FIAS outbox; undefined without fias.enabled (every code then gets the error beeps). */
  outbox: { add(record: FiasRecord): Promise<boolean> } | undefined;
  log: Logger;
  /** Tests: shorter waits around the tone. */
  settleMs?: number;
  toneMs?: number;
}

/** Subscribes to the room-status calls; returns the function that stops it. */
export function roomStatusLine(deps: RoomStatusDeps): () => void {
  return deps.ari.onEvent('StasisStart', async (e: StasisStartEvent) => {
    if (e.args[0] !== ROOM_STATUS_ARG) return;
    const channelId = e.channel.id;
    const ok = await queue(deps, e.args[1] ?? '', e.args[2] ?? '');
    let rest: AriRest;
    try {
      rest = deps.ari.client();
    } catch {
      return; // the ARI link dropped: Asterisk hangs the call up when it leaves Stasis
    }
    await tone(rest, channelId, ok ? CONFIRM : REFUSED, deps.settleMs ?? SETTLE_MS, deps.toneMs ?? TONE_MS);
  });
}

/** Checks the call's room and digits and queues the RE; true when it is queued. */
async function queue(deps: RoomStatusDeps, room: string, digits: string): Promise<boolean> {
  const at = { room, digits };
  if (!/^\d{1,10}$/.test(room) || !deps.isRoom(room)) {
    deps.log.warn(at, 'room status refused: the calling phone is not a room of this hotel');
    return false;
  }
  const code = parseRoomStatusCode(digits);
  if (typeof code === 'string') {
    deps.log.warn({ ...at, reason: code }, 'room status refused');
    return false;
  }
  if (!deps.outbox) {
    deps.log.warn(at, 'room status refused: no FIAS link (fias.enabled) to send it to');
    return false;
  }
  const built = buildRE({ room, roomStatus: code.status, maidId: code.maidId });
  if (!built.ok) {
    deps.log.warn({ ...at, reason: built.message }, 'room status refused');
    return false;
  }
  try {
    if (!(await deps.outbox.add(built.record))) return false; // outbox full: logged there
  } catch (err) {
    deps.log.error({ ...at, err: (err as Error).message }, 'room status not queued');
    return false;
  }
  deps.log.info(
    { ...at, status: code.status, maidId: code.maidId },
    'room status queued for the PMS (RE RS)',
  );
  return true;
}

async function tone(
  rest: AriRest,
  channelId: string,
  media: readonly string[],
  settleMs: number,
  ms: number,
): Promise<void> {
  const pause = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));
  try {
    await rest.channels.answer({ channelId });
    await pause(settleMs);
    await rest.channels.play({ channelId, media: [...media] });
    await pause(ms);
  } catch {
    // The phone hung up first, or the link dropped: nothing left to tell it.
  } finally {
    await rest.channels.hangup({ channelId }).catch(() => undefined);
  }
}
