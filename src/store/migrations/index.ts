// Migrations compiled in with the engine (no directory scan), in order. knex records what ran in
// `knex_migrations` and takes a lock, so running them at every start is idempotent.
import type { Knex } from 'knex';
import * as rooms from './001_rooms.js';
import * as wakeups from './002_wakeups.js';
import * as voicemail from './003_voicemail.js';
import * as fias from './004_fias.js';
import * as fiasPostings from './005_fias_postings.js';

interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const ALL: Migration[] = [rooms, wakeups, voicemail, fias, fiasPostings];

export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => ALL,
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};
