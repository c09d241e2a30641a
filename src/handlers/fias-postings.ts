// Our extension to seed 000 (not in the seed): Action: Query, CallMethod: FiasPostings, optional
// Count (1-200, default 20). The newest FIAS call charges, newest first, each as one field
// `Posting<n>`: P#, room, state (queued, sent, ok, refused), the PMS's AS, attempts, the call's
// DA/TI, DD, DU, and the PMS's CT last. Any logged-in account may ask; without fias.enabled it is
// the same error reply as FiasStatus.
import { ProtocolError } from '../errors.js';
import { fiasLink } from './fias-status.js';
import { defineHandler } from './types.js';

const MAX = 200;

export default defineHandler({
  action: 'Query',
  callMethod: 'FiasPostings',
  requiresLogin: true,
  errorEcho: ['Count'],
  parse(f) {
    const raw = (f.get('Count') ?? '').trim();
    if (raw === '') return { count: 20 };
    if (!/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX)
      throw new ProtocolError(`Count must be 1-${MAX}, not "${f.get('Count') ?? ''}"`);
    return { count: Number(raw) };
  },
  async handle(req, { services }) {
    fiasLink(services);
    if (!services.postings) throw new ProtocolError('FIAS call charges are not kept by this engine');
    const postings = await services.postings.recent(req.count);
    return [
      ['Count', postings.length],
      ...postings.map((p, i) => {
        const f = (k: string): string => p.record.fields.get(k) ?? '';
        const parts = [
          `P#${p.postingNumber}`,
          `RN${p.room}`,
          p.state,
          `AS${p.answer ?? ''}`,
          `x${p.attempts}`,
          `DA${f('DA')}`,
          `TI${f('TI')}`,
          `DD${f('DD')}`,
          `DU${f('DU')}`,
          `CT${p.answerText ?? ''}`,
        ];
        return [`Posting${i + 1}`, parts.join(' ')] as const;
      }),
    ];
  },
});
