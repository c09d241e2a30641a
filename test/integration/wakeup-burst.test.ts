// A wake-up burst through real Asterisk channels (issue 11): 60 rooms ask for the same minute through
// the PMS protocol; with the default ceilings more than 50 calls are up at once. The pretend guests
// (lab/asterisk/extensions_pms_trunk.conf) answer: 7xxx press 1 three seconds in, 9xxx listen and hang
// up; room 8001 is a real lab phone that must hear the prompt. Every guest must be woken at the first
// attempt, and no attempt may fail on the engine's side.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeBurst, runBurst, type BurstFigures } from '../lab/burst.js';
import type { LabEngine } from '../lab/engine.js';
import { requireLab } from '../lab/lab.js';
import { phone, type Phone } from '../lab/phone.js';

const CONFIRMING = Array.from({ length: 30 }, (_, i) => String(7000 + i));
const LISTENING = Array.from({ length: 29 }, (_, i) => String(9000 + i));

describe('a 60-room wake-up burst on the real PBX (default ceilings)', { timeout: 300_000 }, () => {
  let lab: LabEngine | undefined;
  let p1: Phone;
  let figures: BurstFigures;

  before(async () => {
    await requireLab();
    p1 = phone('8001');
    await p1.ready();
  });

  after(async () => {
    p1?.close();
    await lab?.pms.close();
    await lab?.engine.stop();
  });

  it('all 60 are answered at the first attempt, none fails on the engine side, 8001 hears the prompt', async () => {
    const from = p1.events().length;
    const run = await runBurst(
      {
        rooms: ['8001', ...CONFIRMING, ...LISTENING],
        hotelRooms: '7000-7029,8001-8005,9000-9028',
        database: 'pms_wakeup_burst_it',
        deadlineSeconds: 150,
      },
      (l) => (lab = l),
    );
    figures = run.figures;
    console.log(describeBurst(figures, run.lab.engine.config.wakeup).replace(/^/gm, '# '));
    assert.equal(figures.lost, 0, 'every guest was woken');
    assert.equal(figures.linkFaults, 0, 'no attempt failed on the engine side');
    assert.equal(figures.answeredFirst, 60, 'all at the first attempt');
    // Two legs per Local call: more than 50 calls up at once in Asterisk.
    assert.ok(figures.peakWakeupChannels >= 100, `peak ${figures.peakWakeupChannels} wake-up call legs`);

    const detail = (room: string): string | null | undefined =>
      figures.occurrences.find(({ o }) => o.extension === room)?.attempts[0]?.detail;
    for (const room of CONFIRMING) assert.equal(detail(room), 'confirmed with key 1', room);
    for (const room of LISTENING) assert.match(detail(room) ?? '', /confirmed by default/, room);

    const rang = p1
      .events()
      .slice(from)
      .filter((e) => e.type === 'CALL_INCOMING');
    assert.equal(rang.length, 1, '8001 rang once');
    const heard = await p1.lastRecording();
    assert.ok(heard.rms > 0.02 && heard.seconds > 2, `8001 heard ${heard.seconds} s, RMS ${heard.rms}`);
  });
});
