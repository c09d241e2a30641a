// The AlarmClock value (seed 000 §5.4.5), read and written without I/O:
//   start*end*frequency*days*file*num&start*…&   (up to 5 strategies, trailing & required)
// `end` is deprecated: its slot must be present, its value is checked and ignored. `num` may be left
// out (the seed's own demo sends five fields). Empty fields take the protocol's defaults.
import { ProtocolError } from '../errors.js';

export interface Strategy {
  /** Local wall-clock time, `hh:mm`. */
  start: string;
  /** Minutes between attempts, ≥ 5. */
  frequency: number;
  /** On how many consecutive days it rings. */
  days: number;
  /** Prompt file name, e.g. `fpm-world-mix.gsm`. */
  file: string;
  /** Attempts per day, 1..10. */
  attempts: number;
}

export const DEFAULT_PROMPT = 'fpm-world-mix.gsm';
export const MAX_STRATEGIES = 5;
export const MIN_FREQUENCY = 5;
export const MAX_FREQUENCY = 720;
export const MAX_DAYS = 365;
export const MIN_SEPARATION_MINUTES = 30;

/** `name.gsm|ulaw|alaw`: a bare file name, no path, no traversal, no hidden file. */
const PROMPT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*\.(gsm|ulaw|alaw)$/;
const HHMM = /^(\d{1,2}):(\d{2})$/;

export type PromptFormat = 'gsm' | 'ulaw' | 'alaw';

/** The format and the name without extension of a valid prompt file name. */
export function promptParts(file: string): { base: string; format: PromptFormat } {
  const m = PROMPT_NAME.exec(file);
  if (!m || file.length > 100) throw new ProtocolError(`invalid prompt file name: ${file}`);
  return { base: file.slice(0, -(m[1]!.length + 1)), format: m[1] as PromptFormat };
}

export interface ParseOptions {
  /** Whether the prompt library holds this (already syntax-checked) file. */
  promptExists(file: string): boolean;
}

/**
 * Parses and validates a whole AlarmClock value. An empty value is an empty list (cancel every
 * wake-up of the phone). Strategies whose `start` is empty are "not set" and dropped.
 * Throws ProtocolError with a message naming the strategy and the field.
 */
export function parseAlarmClock(value: string, options: ParseOptions): Strategy[] {
  if (value === '') return [];
  if (!value.endsWith('&'))
    throw new ProtocolError('AlarmClock must end with & (or be empty to cancel all wake-ups)');
  const parts = value.slice(0, -1).split('&');
  if (parts.length > MAX_STRATEGIES)
    throw new ProtocolError(`AlarmClock has ${parts.length} strategies; at most ${MAX_STRATEGIES}`);
  const list: Strategy[] = [];
  parts.forEach((text, i) => {
    const s = parseStrategy(text, i + 1, options);
    if (s) list.push(s);
  });
  checkSeparation(list);
  return list;
}

function parseStrategy(text: string, n: number, options: ParseOptions): Strategy | undefined {
  const where = `AlarmClock strategy ${n}`;
  const f = text.split('*');
  if (f.length !== 5 && f.length !== 6)
    throw new ProtocolError(
      `${where}: expected start*end*frequency*days*file*num (end may be empty), got ${f.length} fields`,
    );
  const [start, end, frequency, days, file, num] = f.map((x) => x.trim()) as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  if (end !== '' && hhmm(end) === undefined)
    throw new ProtocolError(`${where}: end must be hh:mm or empty (it is ignored)`);
  const startAt = start === '' ? undefined : hhmm(start);
  if (start !== '' && startAt === undefined)
    throw new ProtocolError(`${where}: start must be a time hh:mm (00:00-23:59)`);
  const strategy: Strategy = {
    start: startAt ?? '',
    frequency: int(frequency, 5, MIN_FREQUENCY, MAX_FREQUENCY, `${where}: frequency`, 'minutes'),
    days: int(days, 1, 1, MAX_DAYS, `${where}: days`, 'days'),
    file: prompt(file === '' ? DEFAULT_PROMPT : file, where, options),
    attempts: int(num ?? '', 3, 1, 10, `${where}: num`, 'attempts'),
  };
  // Not set: checked like the others (a typo is still an error), then dropped.
  return startAt === undefined ? undefined : strategy;
}

function hhmm(text: string): string | undefined {
  const m = HHMM.exec(text);
  if (!m) return undefined;
  const [h, mi] = [Number(m[1]), Number(m[2])];
  if (h > 23 || mi > 59) return undefined;
  return `${String(h).padStart(2, '0')}:${m[2]}`;
}

function int(text: string, dflt: number, min: number, max: number, what: string, unit: string): number {
  if (text === '') return dflt;
  if (!/^\d{1,6}$/.test(text)) throw new ProtocolError(`${what} must be a whole number of ${unit}`);
  const v = Number(text);
  if (v < min || v > max) throw new ProtocolError(`${what} must be ${min}..${max} ${unit}, got ${v}`);
  return v;
}

function prompt(file: string, where: string, options: ParseOptions): string {
  if (!PROMPT_NAME.test(file) || file.length > 100)
    throw new ProtocolError(
      `${where}: file must be a bare file name ending .gsm, .ulaw or .alaw (no path), got "${file}"`,
    );
  if (!options.promptExists(file))
    throw new ProtocolError(`${where}: prompt ${file} is not in the prompt library`);
  return file;
}

/** Start times at least 30 minutes apart, around the clock (23:50 and 00:10 are 20 minutes apart). */
function checkSeparation(list: Strategy[]): void {
  const minutes = list.map((s) => Number(s.start.slice(0, 2)) * 60 + Number(s.start.slice(3)));
  for (let i = 0; i < minutes.length; i++) {
    for (let j = i + 1; j < minutes.length; j++) {
      const d = Math.abs(minutes[i]! - minutes[j]!);
      if (Math.min(d, 1440 - d) < MIN_SEPARATION_MINUTES)
        throw new ProtocolError(
          `AlarmClock start times ${list[i]!.start} and ${list[j]!.start} are less than ${MIN_SEPARATION_MINUTES} minutes apart`,
        );
    }
  }
}

/**
 * The normalised value the reply echoes, in the protocol's reply form `start*end*frequency*days*file&`
 * (defaults filled in, the ignored `end` left empty, `num` not part of the reply form).
 */
export function formatAlarmClock(list: readonly Strategy[]): string {
  return list.map((s) => `${s.start}**${s.frequency}*${s.days}*${s.file}&`).join('');
}
