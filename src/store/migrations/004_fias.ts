// FIAS ("IFC8 FIAS Interface Specification 2.20") on the room core: the guests of each room by
// reservation (sharers), the wake-ups the PMS asked for with their exact DA/TI, the PMS's message
// lamps, and the durable outbox of records for the PMS. Instants are UTC milliseconds (BIGINT).
import type { Knex } from 'knex';

export const name = '004_fias';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('fias_guests', (t) => {
    t.bigIncrements('id').comment('order of arrival: the first non-sharer is the primary guest');
    t.string('room', 20).notNullable();
    t.string('reservation', 10).notNullable().comment("G#; '' for a room-based PMS (no G#)");
    t.string('name', 200).nullable().comment('GN');
    t.string('first_name', 80).nullable().comment('GF');
    t.string('title', 20).nullable().comment('GT');
    t.string('language', 10).nullable().comment('GL');
    t.boolean('sharer').notNullable().defaultTo(false).comment('GS=Y at check-in');
    t.bigInteger('created_at').notNullable();
    t.unique(['room', 'reservation'], { indexName: 'fias_guests_room_reservation' });
  });
  await knex.schema.createTable('fias_wakeups', (t) => {
    t.bigInteger('occurrence_id')
      .unsigned()
      .primary()
      .references('wakeup_occurrences.id')
      .onDelete('CASCADE');
    t.string('room', 20).notNullable().comment('RN of the WR (the occurrence follows room moves)');
    t.string('date', 6).notNullable().comment('DA exactly as requested, YYMMDD');
    t.string('time', 6).notNullable().comment('TI exactly as requested, HHMMSS');
    t.string('state', 10).notNullable().defaultTo('set').comment('set, cleared, answered (WA queued)');
    t.bigInteger('created_at').notNullable();
    t.index(['room', 'state'], 'fias_wakeups_room');
  });
  await knex.schema.createTable('fias_message_lights', (t) => {
    t.string('room', 20).primary().comment('a row = the PMS says a message waits (RE ML=Y)');
    t.string('reservation', 10).nullable();
    t.bigInteger('updated_at').notNullable();
  });
  await knex.schema.createTable('fias_outbox', (t) => {
    t.bigIncrements('id');
    t.string('record_id', 2).notNullable();
    t.text('fields').notNullable().comment('JSON array of [field, data] pairs, in order');
    t.string('dedupe_key', 40).nullable().unique('fias_outbox_dedupe').comment('e.g. WA:<occurrence>');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('sent_at').nullable();
    t.index(['sent_at', 'id'], 'fias_outbox_unsent');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('fias_outbox');
  await knex.schema.dropTable('fias_message_lights');
  await knex.schema.dropTable('fias_wakeups');
  await knex.schema.dropTable('fias_guests');
}
