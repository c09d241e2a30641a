// FIAS call charges ("Posting Simple", "Posting Answer"): every posting made from a call record, with
// its P# and the PMS's answer, and the cursor into the call-record table (the last row read, and the
// next P#, so numbers run 1…99999999 with no gap, across restarts). Instants are UTC milliseconds.
import type { Knex } from 'knex';

export const name = '005_fias_postings';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('fias_postings', (t) => {
    t.bigIncrements('id');
    t.integer('posting_number').unsigned().notNullable().comment('P#, 1…99999999');
    t.bigInteger('cdr_id').unsigned().notNullable().unique('fias_postings_cdr').comment('cdr.id');
    t.string('room', 20).notNullable();
    t.text('fields').notNullable().comment('the PS as sent: JSON array of [field, data] pairs');
    t.string('state', 10)
      .notNullable()
      .defaultTo('queued')
      .comment('queued, sent (waiting for its PA), ok, refused (NG NP UR)');
    t.string('answer', 2).nullable().comment('AS of the PA');
    t.string('answer_text', 200).nullable().comment('CT of the PA');
    t.integer('attempts').notNullable().defaultTo(0).comment('times the PS was sent');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('sent_at').nullable();
    t.bigInteger('answered_at').nullable();
    t.index(['state', 'id'], 'fias_postings_open');
  });
  await knex.schema.createTable('fias_posting_cursor', (t) => {
    t.integer('id').primary().comment('always 1');
    t.bigInteger('first_cdr_id')
      .unsigned()
      .notNullable()
      .comment('the newest cdr.id at the first start: records up to it are never posted');
    t.bigInteger('last_cdr_id').unsigned().notNullable().comment('the last cdr.id looked at');
    t.integer('next_number').unsigned().notNullable().comment('the next P#');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('fias_posting_cursor');
  await knex.schema.dropTable('fias_postings');
}
