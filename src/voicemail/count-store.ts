// The last message counts reported to the PMS per room (table voicemail_counts, migration
// 003_voicemail). A room without a row has 0 new / 0 old.
import type { Store } from '../store/db.js';

export interface MessageCounts {
  newMessages: number;
  oldMessages: number;
}

export interface CountRepo {
  /** Every room with a row (counts may be 0/0). */
  all(): Promise<Map<string, MessageCounts>>;
  save(extension: string, counts: MessageCounts): Promise<void>;
}

interface Row {
  extension: string;
  new_messages: number;
  old_messages: number;
}

export class CountStore implements CountRepo {
  constructor(private readonly store: Store) {}

  async all(): Promise<Map<string, MessageCounts>> {
    const rows = await this.store.run((k) => k<Row>('voicemail_counts').select());
    return new Map(
      rows.map((r) => [r.extension, { newMessages: r.new_messages, oldMessages: r.old_messages }]),
    );
  }

  async save(extension: string, counts: MessageCounts): Promise<void> {
    const row: Row = { extension, new_messages: counts.newMessages, old_messages: counts.oldMessages };
    await this.store.run((k) =>
      k('voicemail_counts')
        .insert(row)
        .onConflict('extension')
        .merge({ ...row, updated_at: k.fn.now() }),
    );
  }
}
