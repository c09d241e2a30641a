// FIAS data records on the room core: one handler per record type, behind this dispatcher. Records
// are applied one at a time in the order received, so a resync's "last record for a room wins"
// ("Database Synchronization") holds, and a GC move sees the rooms as the records before left them.
// Create it once per engine: it adds the FIAS room hooks (guest list and lamp follow check-out and
// room change) to the room service.
import type { FiasInbound } from '../ports.js';
import type { FiasMessage } from '../records/index.js';
import { FiasRefusal, InboundContext, type FiasInboundDeps } from './context.js';
import { handleGC } from './gc.js';
import { handleGI } from './gi.js';
import { handleGO } from './go.js';
import { reservationOf } from './guests.js';
import { fiasRoomHooks } from './hooks.js';
import { handleRE } from './re.js';
import { handleResync } from './resync.js';
import { handleWC } from './wc.js';
import { handleWR } from './wr.js';

export { DEFAULT_CLASS_MAP, DEFAULT_WAKEUP_ATTEMPTS, FiasRefusal } from './context.js';
export type { FiasInboundDeps, FiasInboundOptions } from './context.js';
export { fiasMessageCounts } from './messages.js';
export { fiasRoomHooks } from './hooks.js';
export { answerStatus, fiasWakeupResults, recoverFiasAnswers } from './wa.js';

export interface FiasInboundCore extends FiasInbound {
  /** Between DS and DE. */
  readonly resyncing: boolean;
}

export function createFiasInbound(deps: FiasInboundDeps): FiasInboundCore {
  const ctx = new InboundContext(deps);
  deps.rooms.addHooks(fiasRoomHooks(deps.guests, deps.lamps, ctx.now));
  const applied = { count: 0 };
  let tail: Promise<unknown> = Promise.resolve();

  const apply = async (msg: FiasMessage): Promise<void> => {
    switch (msg.id) {
      case 'GI':
        return handleGI(ctx, msg);
      case 'GO':
        return handleGO(ctx, msg);
      case 'GC':
        return handleGC(ctx, msg);
      case 'RE':
        return handleRE(ctx, msg);
      case 'WR':
        return handleWR(ctx, msg);
      case 'WC':
        return handleWC(ctx, msg);
      case 'DS':
      case 'DE':
        return handleResync(ctx, msg, applied);
      case 'PA':
        return deps.postingAnswer?.(msg);
      default:
        // Link records (LS, LA, LD, LR, LE, DR) are the link's; PS and WA go to the PMS, not from it.
        ctx.log.debug({ record: msg.id }, 'FIAS record not for the room core: ignored');
    }
  };

  const handle = async (msg: FiasMessage): Promise<void> => {
    try {
      await apply(msg);
      if (ctx.resyncing && msg.id !== 'DS') applied.count++;
      if (ctx.resyncing && (msg.id === 'GI' || msg.id === 'GC')) ctx.keep(msg.room, reservationOf(msg));
    } catch (err) {
      if (!(err instanceof FiasRefusal)) throw err;
      ctx.log.warn(
        { record: msg.id, ...err.context, reason: err.message },
        'FIAS record refused: nothing applied',
      );
    }
  };

  return {
    get resyncing() {
      return ctx.resyncing;
    },
    handle(msg) {
      const run = tail.then(() => handle(msg));
      tail = run.catch(() => undefined);
      return run;
    },
  };
}
