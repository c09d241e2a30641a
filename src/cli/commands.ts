// The CLI's commands: friendly words in, one protocol request out (seed 000 §5.1–5.4.10). Each one
// checks the shape of what was typed so that a typo is caught before it is sent; the engine stays the
// authority on what is allowed (rooms, ranges, times) and answers Response: Error otherwise.
import type { FieldList } from '../protocol/index.js';
import { parseArgs, UsageError, type OptionSpec, type ParsedArgs } from './args.js';

export interface Command {
  name: string;
  aliases?: string[];
  usage: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** The request's fields (ServiceType and SeqID are added when it is sent). */
  build(args: ParsedArgs): FieldList;
}

const WITH_VALUE: OptionSpec = { value: true };
const FLAG: OptionSpec = { value: false };

/** Wake-up defaults of seed 000 §5.4.5 (frequency 5 min, prompt fpm-world-mix.gsm, 3 attempts), 1 day. */
export const WAKEUP_DEFAULTS = { every: 5, days: 1, file: 'fpm-world-mix.gsm', attempts: 3 };

export const COMMANDS: Command[] = [
  {
    name: 'check-in',
    aliases: ['checkin'],
    usage: 'check-in <room> [--name <guest name>] [--limit <1-5>]',
    summary: 'check a guest in: name shown on calls (default the room number), dialling class (default 1)',
    options: { name: WITH_VALUE, limit: WITH_VALUE },
    build(a) {
      const [room] = exactly(a, 1, '<room>');
      const f: Array<[string, string]> = [...set('CheckIn'), ['Phone', phone(room!)]];
      if (a.options.has('name')) f.push(['Name', a.options.get('name')!]);
      if (a.options.has('limit')) f.push(['Limit', limit(a.options.get('limit')!)]);
      return f;
    },
  },
  {
    name: 'checkout',
    aliases: ['check-out', 'clean'],
    usage: 'checkout <room>',
    summary: 'check out: class 1, no name, no DND, wake-ups and voicemail cleared (ExtenClean)',
    options: {},
    build(a) {
      const [room] = exactly(a, 1, '<room>');
      return [...set('ExtenClean'), ['Phone', phone(room!)]];
    },
  },
  {
    name: 'name',
    usage: 'name <room> [<guest name>...]',
    summary: 'set the guest name shown on calls from the room; no name clears it (ExtenName)',
    options: {},
    build(a) {
      const [room, ...words] = atLeast(a, 1, '<room>');
      return [...set('ExtenName'), ['Phone', phone(room!)], ['Name', words.join(' ')]];
    },
  },
  {
    name: 'limit',
    aliases: ['class'],
    usage: 'limit <room> <1-5>',
    summary: 'dialling class: 1 this PBX, 2 enterprise, 3 local, 4 national, 5 international (ExtenLimit)',
    options: {},
    build(a) {
      const [room, cls] = exactly(a, 2, '<room> <1-5>');
      return [...set('ExtenLimit'), ['Phone', phone(room!)], ['Limit', limit(cls!)]];
    },
  },
  {
    name: 'dnd',
    usage: 'dnd <room> on|off [--from "YYYY-MM-DD hh:mm" --to "YYYY-MM-DD hh:mm"]',
    summary: 'do not disturb, until cancelled or inside a time window (ExtenDND)',
    options: { from: WITH_VALUE, to: WITH_VALUE },
    build(a) {
      const [room, use] = exactly(a, 2, '<room> on|off');
      const on = onOff(use!, 'on|off');
      const f: Array<[string, string]> = [...set('ExtenDND'), ['Phone', phone(room!)], ['Use', on]];
      const from = a.options.get('from');
      const to = a.options.get('to');
      if ((from === undefined) !== (to === undefined))
        throw new UsageError('give both --from and --to, or neither');
      if (from !== undefined && to !== undefined) {
        if (on === '0') throw new UsageError('--from/--to only go with "on"');
        f.push(['Start', dateTime(from, '--from')], ['End', dateTime(to, '--to')]);
      }
      return f;
    },
  },
  {
    name: 'voicemail',
    aliases: ['vm'],
    usage: 'voicemail <room> on|off [--mwi on|off] [--email <address>] [--attach on|off]',
    summary: 'guest mailbox on or off, message lamp, e-mail copy (VoiceMail)',
    options: { mwi: WITH_VALUE, email: WITH_VALUE, attach: WITH_VALUE },
    build(a) {
      const [room, use] = exactly(a, 2, '<room> on|off');
      const f: Array<[string, string]> = [
        ...set('VoiceMail'),
        ['Phone', phone(room!)],
        ['Use', onOff(use!, 'on|off')],
      ];
      if (a.options.has('mwi')) f.push(['Usevmwi', onOff(a.options.get('mwi')!, '--mwi')]);
      if (a.options.has('email')) f.push(['Email', a.options.get('email')!]);
      if (a.options.has('attach')) f.push(['Attach', onOff(a.options.get('attach')!, '--attach')]);
      return f;
    },
  },
  {
    name: 'wakeup',
    aliases: ['wake-up', 'alarm'],
    usage:
      'wakeup <room> <hh:mm>... [--every <min>] [--days <n>] [--file <prompt>] [--attempts <n>] | wakeup <room> --cancel | wakeup <room> --value <raw AlarmClock>',
    summary: `wake-up calls at these times (defaults: every ${WAKEUP_DEFAULTS.every} min, ${WAKEUP_DEFAULTS.days} day, ${WAKEUP_DEFAULTS.file}, ${WAKEUP_DEFAULTS.attempts} attempts); --cancel clears them (AlarmClock)`,
    options: {
      every: WITH_VALUE,
      days: WITH_VALUE,
      file: WITH_VALUE,
      attempts: WITH_VALUE,
      cancel: FLAG,
      value: WITH_VALUE,
    },
    build(a) {
      const [room, ...times] = atLeast(a, 1, '<room>');
      const head: Array<[string, string]> = [...set('AlarmClock'), ['Phone', phone(room!)]];
      const tuning = ['every', 'days', 'file', 'attempts'].filter((k) => a.options.has(k));
      const modes = [times.length > 0, a.options.has('cancel'), a.options.has('value')].filter(Boolean);
      if (modes.length !== 1) throw new UsageError('give the wake-up times, or --cancel, or --value');
      if (!times.length && tuning.length) throw new UsageError(`--${tuning[0]} goes with wake-up times`);
      if (a.options.has('cancel')) return [...head, ['AlarmClock', '']];
      if (a.options.has('value')) return [...head, ['AlarmClock', a.options.get('value')!]];
      return [...head, ['AlarmClock', alarmClock(times, a.options)]];
    },
  },
  {
    name: 'change-room',
    aliases: ['move'],
    usage: 'change-room <from room> <to room>',
    summary: 'move the guest (name, class, DND, voicemail, wake-ups) to another room (ChangeRoom)',
    options: {},
    build(a) {
      const [from, to] = exactly(a, 2, '<from room> <to room>');
      return [...set('ChangeRoom'), ['FromPhone', phone(from!)], ['ToPhone', phone(to!)]];
    },
  },
  {
    name: 'cdr',
    usage:
      'cdr <day> [<last day>] | cdr --from "YYYY-MM-DD hh:mm" --to "YYYY-MM-DD hh:mm"  [--type free|local|longdistance|international] [--disposition <n>] [--direction internal|outbound|inbound] [--src <number>] [--src-group <group>] [--dst <number>] [--dst-group <group>] [--page-size <n> --page <n>]',
    summary: 'call records of a day, of days, or of a time range (GetCDR)',
    options: {
      from: WITH_VALUE,
      to: WITH_VALUE,
      type: WITH_VALUE,
      disposition: WITH_VALUE,
      direction: WITH_VALUE,
      src: WITH_VALUE,
      'src-group': WITH_VALUE,
      dst: WITH_VALUE,
      'dst-group': WITH_VALUE,
      'page-size': WITH_VALUE,
      page: WITH_VALUE,
    },
    build(a) {
      return [['Action', 'Query'], ['CallMethod', 'GetCDR'], ...cdrFields(a)];
    },
  },
  {
    name: 'heartbeat',
    usage: 'heartbeat',
    summary: 'a heartbeat (UserLogin/HeartBeat): is the engine answering?',
    options: {},
    build(a) {
      exactly(a, 0, '');
      return [
        ['Action', 'UserLogin'],
        ['CallMethod', 'HeartBeat'],
      ];
    },
  },
  {
    name: 'fias',
    usage: 'fias status|enable|disable|disconnect|postings [count]',
    summary:
      'the FIAS link to an Oracle-style PMS: its state (FiasStatus), switch it (FiasLink; enable, disable and disconnect need an administrator), or the newest call charges and their answers (FiasPostings, default 20)',
    options: {},
    build(a) {
      if (a.positionals[0] === 'postings') {
        const [, count] = a.positionals;
        if (a.positionals.length > 2) throw new UsageError('fias postings takes at most one count');
        return [
          ['Action', 'Query'],
          ['CallMethod', 'FiasPostings'],
          ...(count === undefined ? [] : [['Count', count] as [string, string]]),
        ];
      }
      const [sub] = exactly(a, 1, 'status|enable|disable|disconnect|postings [count]');
      if (sub === 'status')
        return [
          ['Action', 'Query'],
          ['CallMethod', 'FiasStatus'],
        ];
      if (sub === 'enable' || sub === 'disable' || sub === 'disconnect')
        return [...set('FiasLink'), ['Command', sub]];
      throw new UsageError(`fias: expected status, enable, disable, disconnect or postings, not "${sub}"`);
    },
  },
  {
    name: 'raw',
    usage: 'raw Key=Value... (e.g. raw Action=Set CallMethod=ExtenName Phone=8001 "Name=Li Lei")',
    summary: 'any frame, field by field (ServiceType: PMS and a SeqID are added unless given)',
    options: {},
    build(a) {
      const fields = atLeast(a, 1, 'Key=Value...').map((w): [string, string] => {
        const eq = w.indexOf('=');
        if (eq <= 0) throw new UsageError(`"${w}" is not Key=Value`);
        const key = w.slice(0, eq);
        if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(key)) throw new UsageError(`"${key}" is not a field name`);
        return [key, w.slice(eq + 1)];
      });
      if (!fields.some(([k]) => k === 'Action')) throw new UsageError('a frame needs an Action field');
      return fields;
    },
  },
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}

/** The request for `words` (command name first); UsageError when they do not make one. */
export function buildRequest(words: readonly string[]): { command: Command; fields: FieldList } {
  const [name, ...rest] = words;
  if (name === undefined) throw new UsageError('no command given');
  const command = findCommand(name);
  if (!command) throw new UsageError(`unknown command "${name}" (try: help)`);
  return { command, fields: command.build(parseArgs(rest, command.options)) };
}

// --- Field shapes ---------------------------------------------------------------------------------

function set(callMethod: string): Array<[string, string]> {
  return [
    ['Action', 'Set'],
    ['CallMethod', callMethod],
  ];
}

function exactly(a: ParsedArgs, n: number, what: string): string[] {
  if (a.positionals.length !== n)
    throw new UsageError(
      n === 0 ? 'takes no arguments' : `expected ${what}, got ${a.positionals.length} argument(s)`,
    );
  return a.positionals;
}

function atLeast(a: ParsedArgs, n: number, what: string): string[] {
  if (a.positionals.length < n) throw new UsageError(`expected ${what}`);
  return a.positionals;
}

function phone(v: string): string {
  if (!/^\d{1,10}$/.test(v)) throw new UsageError(`"${v}" is not a room extension (digits)`);
  return v;
}

function limit(v: string): string {
  if (!/^[1-5]$/.test(v)) throw new UsageError(`the dialling class is 1 to 5, not "${v}"`);
  return v;
}

function onOff(v: string, what: string): '0' | '1' {
  if (v === 'on' || v === '1' || v === 'yes') return '1';
  if (v === 'off' || v === '0' || v === 'no') return '0';
  throw new UsageError(`${what}: expected on or off, not "${v}"`);
}

function int(v: string, what: string, min: number, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new UsageError(`${what} is a whole number from ${min} to ${max}, not "${v}"`);
  return Number(v);
}

/** `YYYY-MM-DD hh:mm[:ss]` (or with a T) as the protocol's `YYYY-MM-DD hh:mm:ss`. */
function dateTime(v: string, what: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2})?$/.exec(v.trim());
  if (!m) throw new UsageError(`${what}: expected "YYYY-MM-DD hh:mm[:ss]", not "${v}"`);
  return `${m[1]} ${m[2]}${m[3] ?? ':00'}`;
}

function day(v: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new UsageError(`expected a day YYYY-MM-DD, not "${v}"`);
  return v;
}

/** seed 000 §5.4.5: `start*end*frequency*days*file*num&` per time, `end` left empty (deprecated). */
function alarmClock(times: string[], options: Map<string, string>): string {
  const every = int(options.get('every') ?? String(WAKEUP_DEFAULTS.every), '--every', 5, 1440);
  const days = int(options.get('days') ?? String(WAKEUP_DEFAULTS.days), '--days', 1, 366);
  const attempts = int(options.get('attempts') ?? String(WAKEUP_DEFAULTS.attempts), '--attempts', 1, 10);
  const file = options.get('file') ?? WAKEUP_DEFAULTS.file;
  if (!/^[A-Za-z0-9_.-]+\.(gsm|ulaw|alaw)$/.test(file))
    throw new UsageError(`--file is a prompt name ending .gsm, .ulaw or .alaw, not "${file}"`);
  return times
    .map((t) => {
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(t)) throw new UsageError(`"${t}" is not a time hh:mm`);
      return `${t}**${every}*${days}*${file}*${attempts}&`;
    })
    .join('');
}

const CALL_TYPES = ['free', 'local', 'longdistance', 'international'];
const DIRECTIONS: Record<string, string> = {
  internal: '0',
  outbound: '1',
  inbound: '2',
  0: '0',
  1: '1',
  2: '2',
};

function cdrFields(a: ParsedArgs): Array<[string, string]> {
  const o = a.options;
  const f: Array<[string, string]> = [];
  if (o.has('from') || o.has('to')) {
    if (a.positionals.length) throw new UsageError('give days, or --from and --to, not both');
    if (!o.has('from') || !o.has('to')) throw new UsageError('give both --from and --to');
    f.push(['StartTime', dateTime(o.get('from')!, '--from')], ['EndTime', dateTime(o.get('to')!, '--to')]);
  } else {
    if (a.positionals.length < 1 || a.positionals.length > 2)
      throw new UsageError('expected <day> [<last day>] (YYYY-MM-DD), or --from and --to');
    const first = day(a.positionals[0]!);
    const last = day(a.positionals[1] ?? first);
    f.push(['StartTime', `${first} 00:00:00`], ['EndTime', `${last} 23:59:59`]);
  }
  const type = o.get('type');
  if (type !== undefined) {
    if (!CALL_TYPES.includes(type)) throw new UsageError(`--type is one of ${CALL_TYPES.join(', ')}`);
    f.push(['CallType', type]);
  }
  if (o.has('disposition'))
    f.push(['Disposition', String(int(o.get('disposition')!, '--disposition', 0, 8))]);
  const direction = o.get('direction');
  if (direction !== undefined) {
    const d = DIRECTIONS[direction];
    if (!d) throw new UsageError('--direction is internal, outbound or inbound');
    f.push(['Direction', d]);
  }
  party(f, o, 'src', 'Src');
  party(f, o, 'dst', 'Dst');
  if (o.has('page-size') !== o.has('page')) throw new UsageError('give both --page-size and --page');
  if (o.has('page-size'))
    f.push(
      ['PageCnt', String(int(o.get('page-size')!, '--page-size', 1, 100_000))],
      ['PageNo', String(int(o.get('page')!, '--page', 1, 1_000_000))],
    );
  return f;
}

/** `--src 8001` → SrcType 0 + SrcNum; `--src-group Floor8` → SrcType 1 + SrcNum (seed 000 §5.4.10). */
function party(f: Array<[string, string]>, o: Map<string, string>, opt: string, key: 'Src' | 'Dst'): void {
  const num = o.get(opt);
  const group = o.get(`${opt}-group`);
  if (num !== undefined && group !== undefined)
    throw new UsageError(`give --${opt} or --${opt}-group, not both`);
  if (num !== undefined) f.push([`${key}Type`, '0'], [`${key}Num`, num]);
  if (group !== undefined) f.push([`${key}Type`, '1'], [`${key}Num`, group]);
}
