// RE from the PMS ("Room Data"): CS → the room's class (as ExtenLimit, seed 000 §5.4.1, through the
// CS mapping), DN Y/N → DND on until cancelled / off (as ExtenDND without a window, §5.4.3), ML Y/N →
// the PMS's message lamp. ML means a message waits at the front desk (a text message, "Room Data"
// note 3), not in the room's mailbox: it is recorded (fias_message_lights) and, once committed, shown
// on the room's phone through its front-desk mailbox (src/voicemail/desk-lamps.ts). RS, ID and VM
// are our direction: ignored.
// An RE has no side effects, so with SF it is applied the same way.
import type { RoomEquipment } from '../records/index.js';
import type { InboundContext } from './context.js';

export async function handleRE(ctx: InboundContext, msg: RoomEquipment): Promise<void> {
  const room = ctx.requireRoom(msg.room);
  const ignored = (['roomStatus', 'maidId', 'voicemail'] as const).filter((k) => msg[k] !== undefined);
  if (ignored.length)
    ctx.log.debug({ record: 'RE', room, ignored }, 'FIAS RE: fields of our direction ignored');
  const { classOfService, dnd, messageLight } = msg;
  if (classOfService === undefined && dnd === undefined && messageLight === undefined) {
    ctx.log.info({ record: 'RE', room }, 'FIAS RE: nothing for the room core');
    return;
  }
  await ctx.deps.rooms.decide(room, async (before, tx) => {
    if (messageLight !== undefined)
      await ctx.deps.lamps.set(room, messageLight, msg.reservation, ctx.now(), tx);
    if (classOfService === undefined && dnd === undefined) return 'keep';
    return {
      ...before,
      classOfService: classOfService === undefined ? before.classOfService : ctx.classOf(classOfService),
      dnd: dnd === undefined ? before.dnd : { on: dnd, start: null, end: null },
    };
  });
  if (messageLight !== undefined) await ctx.deps.showLamp?.(room);
  ctx.log.info(
    { record: 'RE', room, cs: classOfService, dnd, messageLight, resync: msg.resync },
    'FIAS RE applied',
  );
}
