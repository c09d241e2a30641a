// Voicemail without Asterisk: the include file (it always re-parses, whatever the store holds), the
// spool (no path leaves it; moves and deletes), the VoiceMail command (validation, defaults, nothing
// half-applied) and the voicemail service (include + reload, LeaveMessage only on changed counts,
// catch-up on AMI ready) against a fake AMI.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PmsClient } from '../../src/client/pms-client.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { PbxUnavailableError } from '../../src/errors.js';
import { AstDb } from '../../src/pbx/astdb.js';
import type { AmiFields, AmiResult } from '../../src/pbx/types.js';
import { RoomMirror } from '../../src/rooms/mirror.js';
import { RoomSet } from '../../src/rooms/room-set.js';
import { RoomService } from '../../src/rooms/service.js';
import { cleanRoom } from '../../src/store/rooms.js';
import {
  fullName,
  isValidEmail,
  mailboxLine,
  passwordFor,
  renderInclude,
  type MailboxEntry,
} from '../../src/voicemail/conf.js';
import type { CountRepo, MessageCounts } from '../../src/voicemail/count-store.js';
import { VoicemailService } from '../../src/voicemail/service.js';
import { Spool, writeAtomic } from '../../src/voicemail/spool.js';
import { FakeAmi } from './support/fake-pbx.js';
import { MemoryFiasLamps } from './support/fias-memory.js';
import { MemoryRooms } from './support/memory-rooms.js';
import { startHarness, type Harness } from './support/harness.js';

const CONTEXTS = { plain: 'pms-vm', mwi: 'pms-vm-mwi', desk: 'pms-desk' };
const SECRET = 'unit-test-secret';

const entry = (
  extension: string,
  over: Partial<MailboxEntry['voicemail']> = {},
  guestName: string | null = null,
) => ({
  extension,
  guestName,
  voicemail: { enabled: true, mwi: false, email: null, attach: true, ...over },
});

/**
 * Reads an include file the way Asterisk's config reader and app_voicemail do: `;` starts a comment,
 * `[x]` opens a context, `<mailbox> => <password>,<full name>,<email>,<pager>,<options>` with
 * options `k=v|k=v`. Throws on anything else; returns mailbox → its fields.
 */
function parseInclude(text: string): Map<string, { context: string; fields: string[]; options: string[] }> {
  const boxes = new Map<string, { context: string; fields: string[]; options: string[] }>();
  let context: string | undefined;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/;.*$/, '').trim();
    if (line === '') continue;
    const section = /^\[([A-Za-z0-9_-]+)\]$/.exec(line);
    if (section) {
      context = section[1];
      continue;
    }
    assert.ok(!raw.includes(';'), `line ${i + 1} has a ; after a value: ${raw}`);
    const m = /^(\d{1,10}) => (.*)$/.exec(line);
    assert.ok(m && context, `line ${i + 1} is no mailbox line: ${raw}`);
    const fields = m[2]!.split(',');
    assert.equal(fields.length, 5, `line ${i + 1} has ${fields.length} fields: ${raw}`);
    assert.match(fields[0]!, /^-\d{8}$/);
    const options = fields[4]!.split('|');
    for (const o of options) assert.match(o, /^(attach|saycid|envelope)=(yes|no)$/, `option ${o}`);
    assert.ok(!boxes.has(`${m[1]}@${context}`), `mailbox ${m[1]}@${context} twice`);
    boxes.set(`${m[1]}@${context}`, { context, fields, options });
  }
  return boxes;
}

const HOSTILE = [
  'a@b.com,x|attach=yes',
  'x@y.com;comment',
  '9999 => 1234,Evil,evil@x.com',
  '[general]',
  '=> , | ; [ ] = \\ "',
  `${'a'.repeat(300)}@example.com`,
  'not-an-address',
  '#include /etc/passwd',
  'a\u202eb@example.com',
  '',
];

describe('voicemail include file (conf.ts)', () => {
  it('renders enabled rooms only, sorted, each in the context of its Usevmwi', () => {
    const text = renderInclude(
      [
        entry('8003', { mwi: true, email: 'a@example.com', attach: false }),
        entry('8001'),
        entry('8002', { enabled: false }),
      ],
      CONTEXTS,
      SECRET,
    );
    const boxes = parseInclude(text);
    assert.deepEqual([...boxes.keys()], ['8001@pms-vm', '8003@pms-vm-mwi']);
    assert.deepEqual(boxes.get('8003@pms-vm-mwi')!.fields.slice(1, 4), ['Room 8003', 'a@example.com', '']);
    assert.deepEqual(boxes.get('8003@pms-vm-mwi')!.options, ['attach=no', 'saycid=no', 'envelope=no']);
    assert.deepEqual(boxes.get('8001@pms-vm')!.options[0], 'attach=yes');
  });

  it('every room of the hotel has a front-desk mailbox, voicemail or not, in the third context', () => {
    const boxes = parseInclude(renderInclude([entry('8002')], CONTEXTS, SECRET, ['8003', '8001', '8002']));
    assert.deepEqual([...boxes.keys()], ['8002@pms-vm', '8001@pms-desk', '8002@pms-desk', '8003@pms-desk']);
    assert.deepEqual(boxes.get('8001@pms-desk')!.fields[1], 'Front desk');
    assert.deepEqual(boxes.get('8001@pms-desk')!.options[0], 'attach=no');
  });

  it('whatever the store holds (hostile names, e-mails, extensions), the file parses and keeps every valid room', () => {
    const names = [...HOSTILE, '张三 (VIP)', 'x'.repeat(5000), null];
    const entries: MailboxEntry[] = [];
    let n = 0;
    for (const name of names)
      for (const email of HOSTILE) entries.push(entry(String(8000 + n++), { email, mwi: n % 2 === 0 }, name));
    // Rooms that could never have come through the handler: left out, nothing else changes.
    entries.push(entry('80 01'), entry('8001\n[general]'), entry('../../etc'), entry(''));
    const boxes = parseInclude(renderInclude(entries, CONTEXTS, SECRET));
    assert.equal(boxes.size, n);
    for (const b of boxes.values()) {
      assert.ok(b.fields[2] === '' || isValidEmail(b.fields[2]!), `e-mail ${b.fields[2]}`);
      assert.ok([...b.fields[1]!].length <= 40);
    }
    // Only the one valid address among the hostile ones survived; the others became "no e-mail".
    assert.deepEqual(new Set([...boxes.values()].map((b) => b.fields[2])), new Set(['']));
  });

  it('refuses invalid context names rather than writing a broken section', () => {
    assert.throws(
      () => renderInclude([], { plain: 'pms vm', mwi: 'x', desk: 'y' }, SECRET),
      /not a valid name/,
    );
    assert.throws(() => renderInclude([], { plain: 'a]', mwi: 'x', desk: 'y' }, SECRET), /not a valid name/);
  });

  it('full name: separators neutralised, any script kept, at most 40 characters, else "Room <ext>"', () => {
    assert.equal(
      fullName({ extension: '8003', guestName: 'Evil, |x=>y; [general] 张三' }),
      'Evil x y general 张三',
    );
    assert.equal(fullName({ extension: '8003', guestName: "O'Brien-Smith Jr." }), "O'Brien-Smith Jr.");
    assert.equal(fullName({ extension: '8003', guestName: ',;|[]' }), 'Room 8003');
    assert.equal(fullName({ extension: '8003', guestName: null }), 'Room 8003');
    assert.equal([...fullName({ extension: '1', guestName: '王'.repeat(100) })].length, 40);
  });

  it('password: 8 digits behind "-" (not changeable by phone), stable per secret, differs per room', () => {
    assert.match(passwordFor('8001', SECRET), /^-\d{8}$/);
    assert.equal(passwordFor('8001', SECRET), passwordFor('8001', SECRET));
    assert.notEqual(passwordFor('8001', SECRET), passwordFor('8002', SECRET));
    assert.notEqual(passwordFor('8001', SECRET), passwordFor('8001', 'other'));
  });

  it('mailbox line: an invalid extension gives no line; an invalid stored e-mail is dropped', () => {
    assert.equal(mailboxLine(entry('80a1'), SECRET), undefined);
    assert.match(
      mailboxLine(entry('8001', { email: 'x@y.com,evil' }), SECRET)!,
      /^8001 => -\d{8},Room 8001,,,attach=yes/,
    );
  });

  it('e-mail validation', () => {
    for (const ok of ['guest@example.com', 'a.b+c_d%e-f@mail.example.co.uk', 'x@a-b.cn'])
      assert.ok(isValidEmail(ok), ok);
    for (const bad of [...HOSTILE, 'a@b', 'a@-b.com', 'a b@c.com', 'a@b.com ', `${'a'.repeat(65)}@b.com`])
      assert.ok(!isValidEmail(bad), bad);
    // Over 254 characters in all, though every part is valid.
    const long = `a@${['b', 'c', 'd', 'e', 'f'].map((ch) => ch.repeat(60)).join('.')}.com`;
    assert.ok(!isValidEmail(long));
  });
});

describe('voicemail spool (spool.ts) and writeAtomic', () => {
  let root: string;
  let spool: Spool;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pms-vm-'));
    spool = new Spool(root);
  });
  after(() => rm(root, { recursive: true, force: true }));

  async function box(context: string, ext: string, files: string[]): Promise<void> {
    await mkdir(join(root, context, ext, 'INBOX'), { recursive: true });
    for (const f of files) await writeFile(join(root, context, ext, 'INBOX', f), f);
  }

  it('no path leaves the spool: bad contexts and mailboxes are refused', () => {
    for (const [c, e] of [
      ['..', '8001'],
      ['pms-vm', '..'],
      ['pms-vm/../..', '8001'],
      ['pms-vm', '8001/../../x'],
      ['pms-vm', ''],
      ['', '8001'],
      ['pms-vm', '80a1'],
    ])
      assert.throws(() => spool.dir(c!, e!), /bad voicemail context|bad mailbox/, `${c} ${e}`);
    assert.equal(spool.dir('pms-vm', '8001'), join(root, 'pms-vm', '8001'));
  });

  it('move renames the whole mailbox, replacing what the target held; nothing to move is no error', async () => {
    await box('pms-vm', '8001', ['msg0000.txt', 'msg0000.wav']);
    await box('pms-vm-mwi', '8002', ['old-guest.txt']);
    await spool.move({ context: 'pms-vm', extension: '8001' }, { context: 'pms-vm-mwi', extension: '8002' });
    assert.deepEqual((await readdir(join(root, 'pms-vm-mwi', '8002', 'INBOX'))).sort(), [
      'msg0000.txt',
      'msg0000.wav',
    ]);
    assert.equal(await spool.exists('pms-vm', '8001'), false);
    await spool.move({ context: 'pms-vm', extension: '8009' }, { context: 'pms-vm', extension: '8008' });
    assert.equal(await spool.exists('pms-vm', '8008'), false);
  });

  it('remove deletes the room in every given context, and only that room', async () => {
    await box('pms-vm', '8004', ['a']);
    await box('pms-vm-mwi', '8004', ['b']);
    await box('pms-vm', '8005', ['c']);
    await spool.remove('8004', ['pms-vm', 'pms-vm-mwi']);
    assert.equal(await spool.exists('pms-vm', '8004'), false);
    assert.equal(await spool.exists('pms-vm-mwi', '8004'), false);
    assert.equal(await spool.exists('pms-vm', '8005'), true);
    await spool.remove('8004', ['pms-vm']); // already gone: fine
  });

  it('writeAtomic replaces the file whole and leaves no temporary file, also when it fails', async () => {
    const file = join(root, 'include.conf');
    await writeAtomic(file, 'one\n');
    await writeAtomic(file, 'two\n');
    assert.equal(await readFile(file, 'utf8'), 'two\n');
    assert.deepEqual(
      (await readdir(root)).filter((n) => n.endsWith('.tmp')),
      [],
    );
    await assert.rejects(writeAtomic(join(root, 'missing-dir', 'x.conf'), 'x'));
    // A target that is a directory: the rename fails, the temporary file is removed.
    await mkdir(join(root, 'adir', 'inner'), { recursive: true });
    await assert.rejects(writeAtomic(join(root, 'adir'), 'x'));
    assert.deepEqual(
      (await readdir(root)).filter((n) => n.endsWith('.tmp')),
      [],
    );
  });
});

describe('VoiceMail command (handler)', () => {
  let h: Harness;
  let c: PmsClient;
  before(async () => {
    h = await startHarness();
    c = await h.loggedIn();
  });
  after(() => h.close());
  beforeEach(() => {
    h.store.rows.clear();
    h.rooms.forget();
    h.voicemail.calls.length = 0;
  });
  const vm = (fields: Array<[string, string]>) =>
    c.call([['Action', 'Set'], ['CallMethod', 'VoiceMail'], ...fields]);

  it('defaults: Use 0, Usevmwi 0, no e-mail, Attach 1; the reply echoes what was applied', async () => {
    const r = await vm([['Phone', '8001']]);
    assert.equal(r.get('Response'), 'Success', r.get('Message'));
    assert.deepEqual(
      ['Phone', 'Use', 'Usevmwi', 'Email', 'Attach'].map((k) => r.get(k)),
      ['8001', '0', '0', '', '1'],
    );
    assert.deepEqual(h.voicemail.calls, [
      { extension: '8001', settings: { enabled: false, mwi: false, email: null, attach: true } },
    ]);
  });

  it('all fields set', async () => {
    const r = await vm([
      ['Phone', '8002'],
      ['Use', '1'],
      ['Usevmwi', '1'],
      ['Email', 'guest@example.com'],
      ['Attach', '0'],
    ]);
    assert.equal(r.get('Response'), 'Success', r.get('Message'));
    assert.deepEqual((await h.rooms.get('8002')).voicemail, {
      enabled: true,
      mwi: true,
      email: 'guest@example.com',
      attach: false,
    });
  });

  it('hostile or invalid values: Error naming the field, nothing applied', async () => {
    const cases: Array<[string, string]> = [
      ...HOSTILE.filter((v) => v !== '').map((v): [string, string] => ['Email', v]),
      ['Use', '1|2'],
      ['Use', '2'],
      ['Usevmwi', '=>'],
      ['Usevmwi', 'yes'],
      ['Attach', 'yes'],
      ['Attach', ';'],
      ['Phone', '8001,8002'],
      ['Phone', '9999'],
      ['Phone', 'x'.repeat(5000)],
      ['Phone', ''],
    ];
    for (const [key, value] of cases) {
      const fields = new Map<string, string>([
        ['Phone', '8003'],
        ['Use', '1'],
      ]);
      fields.set(key, value);
      const r = await vm([...fields]);
      assert.equal(r.get('Response'), 'Error', `${key}=${value.slice(0, 40)} was accepted`);
      assert.ok(r.get('Message')!.includes(key), `${key}: ${r.get('Message')}`);
    }
    assert.deepEqual(h.voicemail.calls, []);
    assert.equal(h.store.rows.size, 0);
  });
});

/** A fake AMI that also answers MailboxCount from `boxes` and records Reload/VoicemailRefresh. */
class VoicemailAmi extends FakeAmi {
  boxes = new Map<string, MessageCounts>();
  /** Runs before the next Reload only (then cleared); may wait, or throw to fail that Reload. */
  beforeReload: (() => Promise<void>) | undefined;
  override async action(name: string, fields: AmiFields = {}): Promise<AmiResult> {
    if (name === 'Reload' && this.beforeReload) {
      const gate = this.beforeReload;
      this.beforeReload = undefined;
      await gate();
    }
    const res = await super.action(name, fields);
    if (name !== 'MailboxCount') return res;
    const c = this.boxes.get(String(fields.Mailbox)) ?? { newMessages: 0, oldMessages: 0 };
    return {
      ...res,
      fields: { newmessages: String(c.newMessages), oldmessages: String(c.oldMessages), urgmessages: '0' },
    };
  }
  names(): string[] {
    return this.sent.map((s) => s.name).filter((n) => !n.startsWith('DB'));
  }
}

class MemoryCounts implements CountRepo {
  rows = new Map<string, MessageCounts>();
  async all(): Promise<Map<string, MessageCounts>> {
    return new Map(this.rows);
  }
  async save(ext: string, c: MessageCounts): Promise<void> {
    this.rows.set(ext, c);
  }
}

describe('voicemail service', () => {
  let dir: string;
  let ami: VoicemailAmi;
  let counts: MemoryCounts;
  let pushed: Array<[string, MessageCounts]>;
  let vm: VoicemailService;
  let rooms: RoomService;
  let deps: ConstructorParameters<typeof VoicemailService>[0];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pms-vm-svc-'));
    const config = loadConfig({
      env: {},
      values: {
        ami: { username: 'x', password: 'x' },
        ari: { username: 'x', password: 'x' },
        hotel: { rooms: '8001-8004' },
        voicemail: { includeFile: join(dir, 'rooms.conf'), spoolDir: join(dir, 'spool') },
      },
    });
    ami = new VoicemailAmi();
    counts = new MemoryCounts();
    pushed = [];
    const repo = new MemoryRooms();
    const roomSet = RoomSet.parse('8001-8004');
    rooms = new RoomService(
      repo,
      new RoomMirror(new AstDb(ami), config.numbering),
      ami,
      roomSet,
      silentLogger(),
    );
    deps = {
      config: config.voicemail,
      ami,
      rooms,
      repo,
      counts,
      roomSet,
      lamps: new MemoryFiasLamps(),
      deskPrompt: '/var/lib/asterisk/sounds/pms/ulaw/pms-desk-message',
      log: silentLogger(),
      notify: (ext, c) => pushed.push([ext, c]),
    };
    vm = new VoicemailService(deps);
    vm.start();
    rooms.addHooks(vm.hooks());
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const on = { enabled: true, mwi: true, email: null, attach: true };
  /** The rooms' own mailboxes in the include file (the front-desk ones are always there). */
  const roomBoxes = async (): Promise<string[]> =>
    [...parseInclude(await readFile(join(dir, 'rooms.conf'), 'utf8')).keys()].filter(
      (k) => !k.endsWith('@pms-desk'),
    );

  it('configure writes the include and reloads app_voicemail; an unchanged file is not reloaded again', async () => {
    await vm.configure('8001', on);
    assert.match(await readFile(join(dir, 'rooms.conf'), 'utf8'), /^\[pms-vm-mwi\]\n8001 => /m);
    assert.equal(ami.names().filter((n) => n === 'Reload').length, 1);
    await vm.configure('8001', on);
    assert.equal(ami.names().filter((n) => n === 'Reload').length, 1);
  });

  it('a failed reload puts the settings and the file back and reports the error', async () => {
    await vm.configure('8001', { ...on, mwi: false });
    const file = await readFile(join(dir, 'rooms.conf'), 'utf8');
    ami.failWhen = (name) => name === 'Reload';
    await assert.rejects(vm.configure('8002', on));
    ami.failWhen = undefined;
    assert.deepEqual((await rooms.get('8002')).voicemail, cleanRoom('8002').voicemail);
    assert.equal(await readFile(join(dir, 'rooms.conf'), 'utf8'), file);
  });

  const lost = (): PbxUnavailableError => new PbxUnavailableError('ami', 'lost', 'AMI link lost');
  const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
    Promise.race([
      p,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms).unref(),
      ),
    ]);

  it('regression: a VoiceMail whose reload fails while an ExtenClean of the room waits: both answer, the room stays usable', async () => {
    // Before: VoiceMail held its own lock and rolled back through rooms.update (the room lock), while
    // the check-out held the room lock and waited for the voicemail lock in afterClean: both hung.
    await rooms.update('8001', (r) => ({ ...r, guestName: 'Guest' }));
    const repo = deps.repo as MemoryRooms;
    let cleaned!: () => void;
    const checkedOut = new Promise<void>((r) => (cleaned = r));
    const save = repo.save.bind(repo);
    repo.save = async (room, tx) => {
      await save(room, tx);
      if (room.extension === '8001' && room.guestName === null) cleaned();
    };
    ami.beforeReload = async () => {
      // Give the check-out every chance to get in first, then fail the reload.
      await Promise.race([checkedOut, new Promise((r) => setTimeout(r, 300))]);
      throw lost();
    };
    const configure = vm.configure('8001', on);
    const clean = rooms.clean('8001');
    const [a, b] = await within(Promise.allSettled([configure, clean]), 3_000, 'VoiceMail + ExtenClean');
    assert.equal(a.status, 'rejected');
    assert.equal(b.status, 'fulfilled');
    assert.deepEqual(await rooms.get('8001'), cleanRoom('8001'));
    assert.deepEqual(await roomBoxes(), []);
    await within(
      rooms.update('8001', (r) => ({ ...r, guestName: 'Next' })),
      1_000,
      'a later command',
    );
  });

  it('regression: a ChangeRoom while a VoiceMail of its room fails its reload: both answer', async () => {
    await vm.configure('8001', { ...on, mwi: false });
    ami.beforeReload = async () => {
      await new Promise((r) => setTimeout(r, 100));
      throw lost();
    };
    const configure = vm.configure('8001', on);
    const move = rooms.move('8001', '8002');
    const [a, b] = await within(Promise.allSettled([configure, move]), 3_000, 'VoiceMail + ChangeRoom');
    assert.equal(a.status, 'rejected');
    assert.equal(b.status, 'fulfilled');
    // The failed change is not what moved: the mailbox 8002 got is the one 8001 had.
    assert.deepEqual((await rooms.get('8002')).voicemail, { ...on, mwi: false });
    assert.match(await readFile(join(dir, 'rooms.conf'), 'utf8'), /^\[pms-vm\]\n8002 => /m);
  });

  it('regression: the link dropping at the reload rolls the settings back (no synchronous throw skips it)', async () => {
    ami.beforeReload = async () => {
      ami.state = 'reconnecting';
      throw lost();
    };
    await assert.rejects(vm.configure('8002', on), PbxUnavailableError);
    ami.state = 'ready';
    assert.deepEqual((await rooms.get('8002')).voicemail, cleanRoom('8002').voicemail);
    assert.ok(!(await roomBoxes().catch(() => [])).some((b) => b.startsWith('8002@')));
  });

  it('regression: a failed VoiceMail never rolls back over a later one of the same room', async () => {
    ami.beforeReload = async () => {
      await new Promise((r) => setTimeout(r, 50));
      throw lost();
    };
    const first = vm.configure('8001', on);
    const second = vm.configure('8001', { ...on, mwi: false, email: 'late@example.com' });
    const [a, b] = await within(Promise.allSettled([first, second]), 3_000, 'two VoiceMail');
    assert.equal(a.status, 'rejected');
    assert.equal(b.status, 'fulfilled');
    assert.deepEqual((await rooms.get('8001')).voicemail, { ...on, mwi: false, email: 'late@example.com' });
    assert.match(
      await readFile(join(dir, 'rooms.conf'), 'utf8'),
      /^\[pms-vm\]\n8001 => .*late@example\.com/m,
    );
  });

  it('regression: a reload that failed after the file was written is retried by the next sync', async () => {
    await vm.configure('8001', on);
    ami.beforeReload = () => Promise.reject(lost());
    await rooms.clean('8001'); // committed; its include update could not be loaded (logged)
    const reloads = (): number => ami.names().filter((n) => n === 'Reload').length;
    const before = reloads();
    // Renders the same file as is on disk: still, Asterisk never loaded it, so it must reload.
    await vm.configure('8002', cleanRoom('8002').voicemail);
    assert.equal(reloads(), before + 1);
  });

  it('MessageWaiting of a room mailbox pushes LeaveMessage once per change; other mailboxes are ignored', async () => {
    await vm.configure('8001', on);
    const mw = (mailbox: string, n: number, o: number) =>
      ami.emit('event', { event: 'MessageWaiting', fields: { mailbox, new: String(n), old: String(o) } });
    mw('8001@pms-vm-mwi', 1, 0);
    mw('8001@pms-vm-mwi', 1, 0); // same counts: nothing new to say
    mw('8001@pms-vm', 5, 5); // not where 8001's mailbox is
    mw('100@default', 3, 0); // not a room
    await new Promise((r) => setTimeout(r, 50));
    mw('8001@pms-vm-mwi', 0, 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(pushed, [
      ['8001', { newMessages: 1, oldMessages: 0 }],
      ['8001', { newMessages: 0, oldMessages: 1 }],
    ]);
    assert.deepEqual(counts.rows.get('8001'), { newMessages: 0, oldMessages: 1 });
  });

  it('resync (AMI ready) reads every mailbox and pushes only the counts that changed meanwhile', async () => {
    await vm.configure('8001', on);
    await vm.configure('8002', { ...on, mwi: false });
    counts.rows.set('8001', { newMessages: 2, oldMessages: 0 });
    counts.rows.set('8002', { newMessages: 0, oldMessages: 0 });
    counts.rows.set('8003', { newMessages: 1, oldMessages: 0 }); // mailbox gone since: back to 0/0
    ami.boxes.set('8001@pms-vm-mwi', { newMessages: 2, oldMessages: 0 });
    ami.boxes.set('8002@pms-vm', { newMessages: 1, oldMessages: 3 });
    const fresh = new VoicemailService(deps); // as after an engine restart: counts from the store
    pushed.length = 0;
    const r = await fresh.resync();
    assert.equal(r.mailboxes, 2);
    assert.deepEqual(pushed.sort(), [
      ['8002', { newMessages: 1, oldMessages: 3 }],
      ['8003', { newMessages: 0, oldMessages: 0 }],
    ]);
  });

  it('check-out deletes the messages and reports 0/0; a room change moves them into the new room', async () => {
    await vm.configure('8001', on);
    const inbox = join(dir, 'spool', 'pms-vm-mwi', '8001', 'INBOX');
    await mkdir(inbox, { recursive: true });
    await writeFile(join(inbox, 'msg0000.txt'), '');
    ami.boxes.set('8002@pms-vm-mwi', { newMessages: 1, oldMessages: 0 });
    await rooms.move('8001', '8002');
    assert.deepEqual(await readdir(join(dir, 'spool', 'pms-vm-mwi', '8002', 'INBOX')), ['msg0000.txt']);
    assert.deepEqual(await readdir(join(dir, 'spool', 'pms-vm-mwi')), ['8002']);
    assert.deepEqual(pushed, [['8002', { newMessages: 1, oldMessages: 0 }]]);
    assert.deepEqual(await roomBoxes(), ['8002@pms-vm-mwi']);
    ami.boxes.delete('8002@pms-vm-mwi');
    await rooms.clean('8002');
    assert.deepEqual(await readdir(join(dir, 'spool', 'pms-vm-mwi')), []);
    assert.deepEqual(pushed.at(-1), ['8002', { newMessages: 0, oldMessages: 0 }]);
    assert.deepEqual(await roomBoxes(), [], 'no room mailbox left, only the front-desk ones');
  });

  it('Usevmwi 1 → 0 moves the messages to the context no phone watches and refreshes the lamp', async () => {
    await vm.configure('8001', on);
    await mkdir(join(dir, 'spool', 'pms-vm-mwi', '8001', 'INBOX'), { recursive: true });
    ami.sent.length = 0;
    await vm.configure('8001', { ...on, mwi: false });
    assert.deepEqual(await readdir(join(dir, 'spool', 'pms-vm')), ['8001']);
    assert.deepEqual(await readdir(join(dir, 'spool', 'pms-vm-mwi')), []);
    assert.ok(
      ami.sent.some((s) => s.name === 'VoicemailRefresh' && s.fields.Context === 'pms-vm-mwi'),
      'the watched mailbox is refreshed: the lamp goes off',
    );
  });
});
