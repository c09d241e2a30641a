// FIAS call charges in the store (migration 005): each posting with its P# and the PMS's answer, and
// the cursor into the call-record table. A P# is given in the same transaction that moves the cursor,
// under the cursor row's lock: numbers run 1…99999999 with no gap. A call record is posted once (its
// id is unique here), so the poller may read a few records behind the cursor again: one that
// committed late, below an id already read, is still posted.
import type { Knex } from 'knex';
import { fiasRecord, type FiasRecord } from '../fias/record.js';
import type { Store } from './db.js';

export type PostingState = 'queued' | 'sent' | 'ok' | 'refused';
const MAX_NUMBER = 99_999_999;

export interface StoredPosting {
  id: number;
  postingNumber: number;
  cdrId: number;
  room: string;
  /** The PS as it is sent, P# included. */
  record: FiasRecord;
  state: PostingState;
  answer: string | null;
  answerText: string | null;
  attempts: number;
  createdAt: number;
  sentAt: number | null;
  answeredAt: number | null;
}

/** A posting to number: its call record, and the PS once its P# is known. */
export interface PostingDraft {
  cdrId: number;
  room: string;
  build: (postingNumber: number) => FiasRecord;
}

interface Row {
  id: number | string;
  posting_number: number;
  cdr_id: number | string;
  room: string;
  fields: string;
  state: PostingState;
  answer: string | null;
  answer_text: string | null;
  attempts: number;
  created_at: number | string;
  sent_at: number | string | null;
  answered_at: number | string | null;
}

export class FiasPostingStore {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The last call record looked at, and the floor below which none is posted. The first time both are
   * `newest()` (the newest call record now): calls made before the engine first ran are not posted.
   */
  async cursor(newest: () => Promise<number>): Promise<{ last: number; floor: number }> {
    const row = (await this.store.run((k) => k('fias_posting_cursor').where({ id: 1 }).first())) as
      { last_cdr_id: number | string; first_cdr_id: number | string } | undefined;
    if (row) return { last: Number(row.last_cdr_id), floor: Number(row.first_cdr_id) };
    const start = await newest();
    await this.store.run((k) =>
      k('fias_posting_cursor')
        .insert({ id: 1, first_cdr_id: start, last_cdr_id: start, next_number: 1 })
        .onConflict('id')
        .ignore(),
    );
    return this.cursor(newest);
  }

  /** Numbers `drafts` (in order) and moves the cursor to `lastCdrId`, in one transaction. */
  async add(drafts: readonly PostingDraft[], lastCdrId: number): Promise<StoredPosting[]> {
    return this.store.transaction(async (k: Knex.Transaction) => {
      const cursor = (await k('fias_posting_cursor').where({ id: 1 }).forUpdate().first()) as
        { first_cdr_id: number | string; last_cdr_id: number | string; next_number: number } | undefined;
      if (!cursor) throw new Error('fias_posting_cursor has no row: cursor() first');
      let next = Number(cursor.next_number);
      const added: StoredPosting[] = [];
      // Read again (the look-back, a second poller): a call record is posted once.
      const ids = drafts.map((d) => d.cdrId);
      const posted = new Set(
        ids.length
          ? ((await k('fias_postings').whereIn('cdr_id', ids).select('cdr_id')) as Row[]).map((r) =>
              Number(r.cdr_id),
            )
          : [],
      );
      for (const d of drafts) {
        if (d.cdrId <= Number(cursor.first_cdr_id) || posted.has(d.cdrId)) continue; // before the first start, or posted
        const record = d.build(next);
        const row = {
          posting_number: next,
          cdr_id: d.cdrId,
          room: d.room,
          fields: JSON.stringify([...record.fields]),
          state: 'queued' as const,
          attempts: 0,
          created_at: this.now(),
        };
        const [id] = await k('fias_postings').insert(row);
        added.push(
          fromRow({
            ...row,
            id: Number(id),
            answer: null,
            answer_text: null,
            sent_at: null,
            answered_at: null,
          }),
        );
        next = next >= MAX_NUMBER ? 1 : next + 1;
      }
      await k('fias_posting_cursor')
        .where({ id: 1 })
        .update({ last_cdr_id: Math.max(lastCdrId, Number(cursor.last_cdr_id)), next_number: next });
      return added;
    });
  }

  /** The oldest posting the PMS has not answered (sent or not): the next to send. */
  async next(): Promise<StoredPosting | undefined> {
    const row = (await this.store.run((k) =>
      k('fias_postings').whereIn('state', ['queued', 'sent']).orderBy('id').first(),
    )) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  async markSent(id: number): Promise<void> {
    await this.store.run((k) =>
      k('fias_postings')
        .where({ id })
        .whereIn('state', ['queued', 'sent'])
        .update({ state: 'sent', sent_at: this.now(), attempts: k.raw('attempts + 1') }),
    );
  }

  /** The PMS's PA for the open posting `id`: OK ends it, NG/NP/UR refuse it (kept, not sent again). */
  async answered(id: number, status: string, text: string | undefined): Promise<boolean> {
    const n = await this.store.run((k) =>
      k('fias_postings')
        .where({ id })
        .whereIn('state', ['queued', 'sent'])
        .update({
          state: status === 'OK' ? 'ok' : 'refused',
          answer: status,
          answer_text: text?.slice(0, 200) ?? null,
          answered_at: this.now(),
        }),
    );
    return n > 0;
  }

  /** The newest postings, newest first (the operator's query). */
  async recent(limit: number): Promise<StoredPosting[]> {
    const rows = (await this.store.run((k) =>
      k('fias_postings').orderBy('id', 'desc').limit(limit),
    )) as Row[];
    return rows.map(fromRow);
  }
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function fromRow(r: Row): StoredPosting {
  return {
    id: Number(r.id),
    postingNumber: Number(r.posting_number),
    cdrId: Number(r.cdr_id),
    room: r.room,
    record: fiasRecord('PS', JSON.parse(r.fields) as Array<[string, string]>),
    state: r.state,
    answer: r.answer,
    answerText: r.answer_text,
    attempts: Number(r.attempts),
    createdAt: Number(r.created_at),
    sentAt: num(r.sent_at),
    answeredAt: num(r.answered_at),
  };
}
