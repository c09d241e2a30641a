// FIAS call charges costed by the engine (fias.callCharges amount) on the real lab: real outside calls
// from a checked-in room become PS|PTC with TA from the tariff table of their call type (PC/CT), the
// billed seconds taken from Asterisk's own call record, and the simulator's PA OK ends each one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../../src/engine.js';
import { FiasSim } from '../fias/sim.js';
import { cdrFor } from '../lab/cdr.js';
import { labDatabase, startLabEngine } from '../lab/engine.js';
import { astDbGet, requireLab } from '../lab/lab.js';
import { phone } from '../lab/phone.js';

const DB = 'pms_fias_tariff_it';
// Per started second, so that TA shows the billed seconds exactly: setup + billsec × price.
const TARIFFS = 'local:10+20/1,longdistance:30+40/1,international:50+60/1';

async function until(fn: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe(
  'FIAS call charges costed by the engine (PT C, tariff table) on the lab',
  { timeout: 180_000 },
  () => {
    let sim: FiasSim;
    let engine: Engine;

    before(async () => {
      await requireLab();
      const db = await labDatabase();
      await db.query(`DROP DATABASE IF EXISTS ${DB}`);
      await db.end();
      sim = new FiasSim();
      const port = await sim.listen();
      ({ engine } = await startLabEngine({
        db: { database: DB },
        ari: { app: `pms-fias-tariff-${process.pid}` },
        fias: { enabled: true, host: '127.0.0.1', port, callCharges: 'amount', tariffs: TARIFFS },
      }));
      await engine.fias!.waitForState('ESTABLISHED', 10_000);
      // The fresh database asks for a resync first (DR … DS … DE); postings wait for it.
      await until(async () => engine.fias!.status().canSend, 20_000, 'sending after the first resync');
    });
    after(async () => {
      await engine?.rooms.clean('8003').catch(() => undefined);
      await engine?.stop();
      await sim?.close();
    });

    it('a local and an international call: PS PTC, PC L / I, TA = setup + billed seconds × price of the type; PA OK ends each', async () => {
      const from = sim.received.length;
      sim.send('GI|RN8003|G#9301|GNBianchi|CS3|');
      await until(async () => (await astDbGet('pms', '8003/class')) === '5', 5_000, 'class 5 for 8003');
      const p = phone('8003');
      const since = new Date(Date.now() - 1_000);
      const local = await p.dial('90512111', { holdMs: 3_000, timeoutMs: 15_000 });
      assert.equal(local.established, true, local.closedReason);
      const endedAt = Date.now();
      const abroad = await p.dial('900441234567', { holdMs: 2_000, timeoutMs: 15_000 });
      assert.equal(abroad.established, true, abroad.closedReason);
      p.close();
      const [cdrLocal, cdrAbroad] = [
        await cdrFor({ src: '8003', dst: '90512111', since }),
        await cdrFor({ src: '8003', dst: '900441234567', since }),
      ];
      const ps = async (n: number) =>
        (
          await sim.waitFor(
            (r) => r.record.id === 'PS' && r.record.fields.get('P#') === String(n),
            20_000,
            `PS P#${n}`,
            from,
          )
        ).record.fields;
      const first = await ps(1);
      const firstAt = Date.now();
      const second = await ps(2);
      assert.deepEqual(Object.fromEntries(first), {
        RN: '8003',
        DA: first.get('DA'),
        TI: first.get('TI'),
        'P#': '1',
        PT: 'C',
        DD: '0512111',
        TA: String(10 + cdrLocal.billsec * 20),
        PC: 'L',
        CT: 'Local',
      });
      assert.equal(second.get('PT'), 'C');
      assert.equal(second.get('PC'), 'I');
      assert.equal(second.get('DD'), '00441234567');
      assert.equal(second.get('TA'), String(50 + cdrAbroad.billsec * 60));
      assert.ok(cdrLocal.billsec >= 2, `billed ${cdrLocal.billsec} s`);
      const db = await labDatabase();
      let states: string[] = [];
      await until(
        async () => {
          const [rows] = (await db.query(`SELECT state FROM ${DB}.fias_postings ORDER BY id`)) as unknown as [
            Array<{ state: string }>,
          ];
          states = rows.map((r) => r.state);
          return states.length === 2 && states.every((s) => s === 'ok');
        },
        5_000,
        'both postings answered OK',
      ).finally(() => db.end());
      console.log(
        `PT C: local ${cdrLocal.billsec} s → TA${first.get('TA')}, international ${cdrAbroad.billsec} s → ` +
          `TA${second.get('TA')}; P#1 on the link ${firstAt - endedAt} ms after the call ended`,
      );
    });
  },
);
