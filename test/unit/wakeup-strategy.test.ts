// AlarmClock values (seed 000 §5.4.5): every variant the protocol page allows, and every malformed one
// refused with a message that names the problem. Plus the due instants in the hotel's time zone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from '../../src/errors.js';
import { parseLocal } from '../../src/time/zone.js';
import { planOccurrences } from '../../src/wakeup/schedule.js';
import { formatAlarmClock, parseAlarmClock, type Strategy } from '../../src/wakeup/strategy.js';

const LIBRARY = new Set(['fpm-world-mix.gsm', 'pms-wakeup.ulaw', 'pms-wakeup.alaw', 'wake.v2.gsm']);
const opts = { promptExists: (f: string): boolean => LIBRARY.has(f) };
const parse = (v: string): Strategy[] => parseAlarmClock(v, opts);

function refused(value: string, message: RegExp): void {
  assert.throws(
    () => parse(value),
    (err: unknown) => err instanceof ProtocolError && message.test(err.message),
    `${JSON.stringify(value)} should be refused with ${message}`,
  );
}

describe('AlarmClock value', () => {
  it("reads the seed's demo (five fields, num left out) with the defaults filled in", () => {
    const list = parse('07:30**5*1*fpm-world-mix.gsm&17:30**5*1*fpm-world-mix.gsm&');
    assert.deepEqual(list, [
      { start: '07:30', frequency: 5, days: 1, file: 'fpm-world-mix.gsm', attempts: 3 },
      { start: '17:30', frequency: 5, days: 1, file: 'fpm-world-mix.gsm', attempts: 3 },
    ]);
    assert.equal(formatAlarmClock(list), '07:30**5*1*fpm-world-mix.gsm&17:30**5*1*fpm-world-mix.gsm&');
  });

  it('reads six fields, empty fields as defaults, end accepted and ignored, h:mm normalised', () => {
    assert.deepEqual(parse('6:05*06:30*10*3*pms-wakeup.ulaw*7&'), [
      { start: '06:05', frequency: 10, days: 3, file: 'pms-wakeup.ulaw', attempts: 7 },
    ]);
    assert.deepEqual(parse('23:59*****&'), [
      { start: '23:59', frequency: 5, days: 1, file: 'fpm-world-mix.gsm', attempts: 3 },
    ]);
    assert.equal(
      formatAlarmClock(parse('6:05*06:30*10*3*pms-wakeup.ulaw*7&')),
      '06:05**10*3*pms-wakeup.ulaw&',
    );
  });

  it('an empty value cancels everything; a strategy with an empty start is "not set"', () => {
    assert.deepEqual(parse(''), []);
    assert.deepEqual(parse('**5*1*fpm-world-mix.gsm*3&'), []);
    assert.deepEqual(
      parse('**5*1**&08:00**5*1*pms-wakeup.alaw*1&').map((s) => s.start),
      ['08:00'],
    );
  });

  it('accepts five strategies 30 minutes apart and the limits of every number', () => {
    const five = ['06:00', '06:30', '07:00', '07:30', '08:00'].map((t) => `${t}**5*1**&`).join('');
    assert.equal(parse(five).length, 5);
    assert.deepEqual(parse('07:00**720*365*wake.v2.gsm*10&')[0], {
      start: '07:00',
      frequency: 720,
      days: 365,
      file: 'wake.v2.gsm',
      attempts: 10,
    });
    assert.equal(parse('07:00**5*1**1&')[0]!.attempts, 1);
  });

  it('refuses every malformed variant with a specific message', () => {
    refused('07:30**5*1*fpm-world-mix.gsm', /must end with &/);
    refused('07:30**5*1*fpm-world-mix.gsm*3', /must end with &/);
    refused(
      ['06:00', '06:30', '07:00', '07:30', '08:00', '08:30'].map((t) => `${t}**5*1**&`).join(''),
      /6 strategies; at most 5/,
    );
    refused(
      '07:30*5*1*fpm-world-mix.gsm&',
      /strategy 1: expected start\*end\*frequency\*days\*file\*num.*got 4 fields/,
    );
    refused('07:30**5*1*fpm-world-mix.gsm*3*9&', /got 7 fields/);
    refused('&', /got 1 fields/);
    refused('07:30**5*1**&&', /strategy 2: .*got 1 fields/);
    refused('24:00**5*1**&', /start must be a time hh:mm/);
    refused('7.30**5*1**&', /start must be a time hh:mm/);
    refused('07:60**5*1**&', /start must be a time hh:mm/);
    refused('07:30*8pm*5*1**&', /end must be hh:mm or empty/);
    refused('07:30**4*1**&', /frequency must be 5\.\.720 minutes, got 4/);
    refused('07:30**0*1**&', /frequency must be 5\.\.720/);
    refused('07:30**-5*1**&', /frequency must be a whole number of minutes/);
    refused('07:30**5.5*1**&', /frequency must be a whole number/);
    refused('07:30**721*1**&', /frequency must be 5\.\.720/);
    refused('07:30**5*0**&', /days must be 1\.\.365 days, got 0/);
    refused('07:30**5*366**&', /days must be 1\.\.365/);
    refused('07:30**5*x**&', /days must be a whole number/);
    refused('07:30**5*1**0&', /num must be 1\.\.10 attempts, got 0/);
    refused('07:30**5*1**11&', /num must be 1\.\.10 attempts, got 11/);
    refused('07:30**5*1*wake.mp3*3&', /file must be a bare file name ending \.gsm, \.ulaw or \.alaw/);
    refused('07:30**5*1*wake*3&', /file must be a bare file name/);
    refused('07:30**5*1*../../etc/passwd.gsm*3&', /file must be a bare file name/);
    refused('07:30**5*1*/var/lib/x.gsm*3&', /file must be a bare file name/);
    refused('07:30**5*1*sub/x.gsm*3&', /file must be a bare file name/);
    refused('07:30**5*1*..gsm*3&', /file must be a bare file name/);
    refused('07:30**5*1*.hidden.gsm*3&', /file must be a bare file name/);
    refused('07:30**5*1*a b.gsm*3&', /file must be a bare file name/);
    refused('07:30**5*1*x;System(id).gsm*3&', /file must be a bare file name/);
    refused(`07:30**5*1*${'a'.repeat(97)}.gsm*3&`, /file must be a bare file name/);
    refused('07:30**5*1*missing.gsm*3&', /prompt missing\.gsm is not in the prompt library/);
    refused('07:30**5*1*fpm-world-mix.ulaw*3&', /prompt fpm-world-mix\.ulaw is not in the prompt library/);
    refused('07:00**5*1**&07:29**5*1**&', /07:00 and 07:29 are less than 30 minutes apart/);
    refused('23:50**5*1**&00:10**5*1**&', /23:50 and 00:10 are less than 30 minutes apart/);
    refused('07:00**5*1**&07:00**5*1**&', /less than 30 minutes apart/);
    // A strategy that is "not set" is still checked: a typo in it is not silently dropped.
    refused('**4*1**&', /frequency must be 5\.\.720/);
  });
});

describe('due instants', () => {
  const s = (start: string, days = 1): Strategy => ({
    start,
    frequency: 5,
    days,
    file: 'fpm-world-mix.gsm',
    attempts: 3,
  });
  const at = (local: string, tz: string): number => parseLocal(local, tz)!.getTime();

  it('today when the start is this minute or later, else tomorrow; then one per day', () => {
    const tz = 'Asia/Shanghai';
    const now = new Date(at('2026-11-21 07:30:40', tz));
    const plan = planOccurrences([s('07:30', 2), s('07:29'), s('08:00')], now, tz);
    assert.deepEqual(
      plan.map((p) => [p.strategy, p.localDate, p.dueAt]),
      [
        [1, '2026-11-21', at('2026-11-21 07:30:00', tz)],
        [3, '2026-11-21', at('2026-11-21 08:00:00', tz)],
        [2, '2026-11-22', at('2026-11-22 07:29:00', tz)],
        [1, '2026-11-22', at('2026-11-22 07:30:00', tz)],
      ],
    );
  });

  it('keeps the local time across daylight-saving changes; a skipped time rings when clocks jump', () => {
    const tz = 'Europe/Berlin';
    // 2026-03-29 02:00 → 03:00 (spring forward); 2026-10-25 03:00 → 02:00 (fall back).
    const spring = planOccurrences([s('07:00', 3)], new Date(at('2026-03-28 12:00:00', tz)), tz);
    assert.deepEqual(
      spring.map((p) => new Date(p.dueAt).toISOString()),
      ['2026-03-29T05:00:00.000Z', '2026-03-30T05:00:00.000Z', '2026-03-31T05:00:00.000Z'],
    );
    const skipped = planOccurrences([s('02:30')], new Date(at('2026-03-28 12:00:00', tz)), tz);
    assert.equal(new Date(skipped[0]!.dueAt).toISOString(), '2026-03-29T01:30:00.000Z'); // 03:30 CEST
    const twice = planOccurrences([s('02:30')], new Date(at('2026-10-24 12:00:00', tz)), tz);
    assert.equal(new Date(twice[0]!.dueAt).toISOString(), '2026-10-25T00:30:00.000Z'); // first 02:30 (CEST)
    const fall = planOccurrences([s('07:00', 2)], new Date(at('2026-10-24 12:00:00', tz)), tz);
    assert.deepEqual(
      fall.map((p) => new Date(p.dueAt).toISOString()),
      ['2026-10-25T06:00:00.000Z', '2026-10-26T06:00:00.000Z'],
    );
  });

  it('crosses month and year ends on local dates', () => {
    const tz = 'America/New_York';
    const plan = planOccurrences([s('06:00', 3)], new Date(at('2026-12-30 22:00:00', tz)), tz);
    assert.deepEqual(
      plan.map((p) => p.localDate),
      ['2026-12-31', '2027-01-01', '2027-01-02'],
    );
  });
});
