// RE to the PMS on a change of a room's message counts ("Room Data", VM "Voice Mail notification"):
// VM with the unread and read counts, two digits each (capped at 99). ML cannot be sent: it is the
// PMS's field ("From PMS" in the RE table). Attached by the wiring where LeaveMessage is pushed.
import type { Logger } from 'pino';
import type { FiasOutboxQueue } from '../../store/fias-outbox.js';
import type { MessageCounts } from '../../voicemail/count-store.js';
import { buildRE } from '../records/index.js';

const cap = (n: number): number => Math.max(0, Math.min(99, Math.floor(n)));

export function fiasMessageCounts(
  outbox: FiasOutboxQueue,
  log: Logger,
): (ext: string, counts: MessageCounts) => void {
  return (ext, counts) => {
    const built = buildRE({
      room: ext,
      voicemail: { kind: 'counts', unread: cap(counts.newMessages), read: cap(counts.oldMessages) },
    });
    if (!built.ok) {
      log.error({ room: ext, err: built.message }, 'FIAS RE (message counts) could not be built');
      return;
    }
    outbox
      .add(built.record)
      .catch((err: unknown) =>
        log.error({ room: ext, err: (err as Error).message }, 'FIAS RE (message counts) not queued'),
      );
  };
}
