// Message counts of each room's mailbox as last reported to the PMS (LeaveMessage, seed 000 §5.4.9).
// Kept so that after an engine restart or an AMI outage only the mailboxes whose counts really
// changed are pushed again. The mailbox settings themselves are columns of `rooms` (001_rooms).
import type { Knex } from 'knex';

export const name = '003_voicemail';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('voicemail_counts', (t) => {
    t.string('extension', 20).primary().comment('room extension');
    t.integer('new_messages').unsigned().notNullable().defaultTo(0);
    t.integer('old_messages').unsigned().notNullable().defaultTo(0);
    t.timestamp('updated_at')
      .notNullable()
      .defaultTo(knex.raw('CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP'));
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('voicemail_counts');
}
