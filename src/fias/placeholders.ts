// Wiring placeholders, not features: until the room core's FiasInbound and FiasOutbox (another part of
// issue 13) are given to the engine, FIAS records are received, validated and logged, but NOT applied
// to rooms, and nothing is sent to the PMS but the link's own records. The README says so too.
import type { Logger } from '../log.js';
import type { FiasInbound, FiasOutbox } from './ports.js';
import type { FiasMessage } from './records/index.js';

/** Logs each record at warn level: a hotel that enabled FIAS must see that nothing is applied yet. */
export class LoggingInbound implements FiasInbound {
  constructor(private readonly log: Logger) {}

  handle(msg: FiasMessage): Promise<void> {
    this.log.warn(
      { id: msg.id, room: 'room' in msg ? msg.room : undefined },
      'FIAS record not applied: no room-core handler for FIAS yet',
    );
    return Promise.resolve();
  }
}

/** An outbox that never holds a record. */
export class EmptyOutbox implements FiasOutbox {
  peek(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  sent(): Promise<void> {
    return Promise.resolve();
  }
  onAdded(): () => void {
    return () => undefined;
  }
}
