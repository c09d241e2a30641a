// The room table: one row per room extension, the engine's source of truth for what Asterisk mirrors
// (AstDB for class, DND and name; voicemail.conf for the mailbox). Times are stored in UTC.
import type { Knex } from 'knex';

export const name = '001_rooms';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rooms', (t) => {
    t.string('extension', 20).primary().comment('room extension, digits only');
    t.string('guest_name', 100).nullable().comment('guest name (UTF-8), null = none');
    t.tinyint('class_of_service').unsigned().notNullable().defaultTo(1).comment('ExtenLimit 1..5');
    t.boolean('dnd_on').notNullable().defaultTo(false);
    t.datetime('dnd_start').nullable().comment('UTC; null with dnd_on = from now');
    t.datetime('dnd_end').nullable().comment('UTC; null with dnd_on = until cancelled');
    t.string('group_name', 64).notNullable().defaultTo('Default');
    t.boolean('vm_enabled').notNullable().defaultTo(false);
    t.boolean('vm_mwi').notNullable().defaultTo(false);
    t.string('vm_email', 254).nullable();
    t.boolean('vm_attach').notNullable().defaultTo(true);
    t.datetime('checked_in_at').nullable().comment('UTC');
    t.timestamp('updated_at')
      .notNullable()
      .defaultTo(knex.raw('CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP'));
  });
  await knex.raw(
    'ALTER TABLE rooms ADD CONSTRAINT rooms_class_range CHECK (class_of_service BETWEEN 1 AND 5)',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rooms');
}
