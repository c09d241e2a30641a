// Wake-up calls (seed 000 §5.4.5): the store is the schedule. Each strategy of an AlarmClock becomes
// one row per day (an occurrence) with its due instant; each call placed for it is an attempt row.
// Instants are UTC milliseconds (BIGINT): no time-zone conversion between the engine and MySQL.
import type { Knex } from 'knex';

export const name = '002_wakeups';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('wakeup_occurrences', (t) => {
    t.bigIncrements('id');
    t.string('extension', 20).notNullable().comment('room it rings (moves with ChangeRoom)');
    t.tinyint('strategy').unsigned().notNullable().comment('1-based index in the AlarmClock value');
    t.string('local_date', 10).notNullable().comment("hotel's local date, YYYY-MM-DD");
    t.string('local_start', 5).notNullable().comment("hotel's local time, hh:mm");
    t.bigInteger('due_at').notNullable().comment('UTC ms');
    t.smallint('frequency_min').unsigned().notNullable();
    t.tinyint('max_attempts').unsigned().notNullable();
    t.string('file', 100).notNullable().comment('prompt, e.g. fpm-world-mix.gsm');
    t.tinyint('attempts').unsigned().notNullable().defaultTo(0).comment('attempts started so far');
    t.bigInteger('next_attempt_at').nullable().comment('UTC ms; null once final');
    t.string('state', 12)
      .notNullable()
      .defaultTo('pending')
      .comment('pending, calling, answered, busy, noanswer, failed, missed, cancelled');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('finished_at').nullable();
    t.index(['state', 'next_attempt_at'], 'wakeup_occurrences_due');
    t.index(['extension', 'state'], 'wakeup_occurrences_room');
  });
  await knex.schema.createTable('wakeup_attempts', (t) => {
    t.bigIncrements('id');
    t.bigInteger('occurrence_id')
      .unsigned()
      .notNullable()
      .references('wakeup_occurrences.id')
      .onDelete('CASCADE');
    t.tinyint('attempt').unsigned().notNullable();
    t.string('extension', 20).notNullable();
    t.bigInteger('planned_at').notNullable().comment('UTC ms it was due');
    t.bigInteger('started_at').notNullable().comment('UTC ms the call was placed');
    t.bigInteger('answered_at').nullable();
    t.bigInteger('ended_at').nullable();
    t.string('result', 12).nullable().comment('answered, busy, noanswer, failed, interrupted');
    t.integer('cause').nullable().comment("Asterisk's hangup cause");
    t.string('detail', 200).nullable();
    t.index(['occurrence_id'], 'wakeup_attempts_occurrence');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('wakeup_attempts');
  await knex.schema.dropTable('wakeup_occurrences');
}
