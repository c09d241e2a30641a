// Room provisioning: the hotel's rooms (hotel.rooms) and one secret make every room's PJSIP endpoint,
// auth and aor, with the message-lamp mailbox lines the voicemail feature needs; passwords are derived
// (stable, distinct, never stored); pms-provision's exit codes and atomic write.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { PASSWORD_LENGTH, roomPassword } from '../../src/provision/passwords.js';
import { roomsConf } from '../../src/provision/pjsip.js';
import { RoomSet } from '../../src/rooms/room-set.js';

const BIN = fileURLToPath(new URL('../../bin/pms-provision.js', import.meta.url));
const SECRET = 'unit-test-secret-0123456789';

function provision(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) =>
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 },
      (error, out, err) =>
        done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out, err }),
    ),
  );
}

describe('room SIP passwords', () => {
  it('are derived: the same for the same room and secret, different per room and per secret', () => {
    const a = roomPassword(SECRET, '8001');
    assert.equal(a, roomPassword(SECRET, '8001'));
    assert.notEqual(a, roomPassword(SECRET, '8002'));
    assert.notEqual(a, roomPassword(`${SECRET}x`, '8001'));
    assert.match(a, new RegExp(`^[a-km-z2-9]{${PASSWORD_LENGTH}}$`));
    assert.throws(() => roomPassword('', '8001'), /no SIP secret configured/);
  });

  it('a 300-room hotel gets 300 distinct passwords', () => {
    const rooms = [...RoomSet.parse('8001-8300')];
    assert.equal(new Set(rooms.map((r) => roomPassword(SECRET, r))).size, 300);
  });
});

describe('pjsip_rooms.conf', () => {
  it('gives each room the endpoint, auth and aor of the lab file, with its two message-lamp mailboxes', () => {
    const text = roomsConf({
      rooms: RoomSet.parse('8001-8002'),
      password: (r) => `pw-of-room-${r}`,
      mwiContext: 'pms-vm-mwi',
      deskContext: 'pms-desk',
      header: ['generated'],
    });
    assert.equal(
      text,
      [
        '; generated',
        '',
        '[8001](room)',
        'auth = 8001-auth',
        'aors = 8001',
        'callerid = "Room 8001" <8001>',
        'mailboxes = 8001@pms-vm-mwi,8001@pms-desk',
        '[8001-auth](room-auth)',
        'username = 8001',
        'password = pw-of-room-8001',
        '[8001](room-aor)',
        'mailboxes = 8001@pms-vm-mwi,8001@pms-desk',
        '',
        '[8002](room)',
        'auth = 8002-auth',
        'aors = 8002',
        'callerid = "Room 8002" <8002>',
        'mailboxes = 8002@pms-vm-mwi,8002@pms-desk',
        '[8002-auth](room-auth)',
        'username = 8002',
        'password = pw-of-room-8002',
        '[8002](room-aor)',
        'mailboxes = 8002@pms-vm-mwi,8002@pms-desk',
        '',
      ].join('\n'),
    );
  });

  it('writes all 300 rooms of "8001-8099,8101-8301" (ranges, no hand-written endpoint)', () => {
    const text = roomsConf({
      rooms: RoomSet.parse('8001-8099,8101-8301'),
      password: (r) => roomPassword(SECRET, r),
      mwiContext: 'pms-vm-mwi',
      deskContext: 'pms-desk',
    });
    const sections = (suffix: string): number =>
      text.split('\n').filter((l) => l.endsWith(suffix) && l.startsWith('[')).length;
    assert.equal(sections('](room)'), 300);
    assert.equal(sections('](room-auth)'), 300);
    assert.equal(sections('](room-aor)'), 300);
    assert.ok(!text.includes('[8100]'));
    assert.ok(text.includes('[8301](room)'));
  });

  it('refuses a password that could inject configuration lines', () => {
    for (const bad of ['abc\ndef12345', 'short', 'has space 123', 'semi;colon123'])
      assert.throws(
        () =>
          roomsConf({
            rooms: ['8001'],
            password: () => bad,
            mwiContext: 'pms-vm-mwi',
            deskContext: 'pms-desk',
          }),
        /cannot hold/,
        JSON.stringify(bad),
      );
  });
});

describe('configuration for pms-provision', () => {
  it('reads only the keys it needs: no AMI or ARI credentials demanded', () => {
    const env = { PMS_HOTEL_ROOMS: '8001-8003', PMS_PROVISION_SIP_SECRET: SECRET };
    assert.throws(() => loadConfig({ env }), ConfigError, 'the engine itself still needs them');
    const c = loadConfig({
      env,
      only: ['hotel.rooms', 'provision', 'voicemail.mwiContext', 'voicemail.deskContext'],
    });
    assert.equal(c.provision.sipSecret, SECRET);
    assert.equal(c.hotel.rooms, '8001-8003');
  });

  it('refuses a short secret', () => {
    assert.throws(
      () =>
        loadConfig({
          env: { PMS_HOTEL_ROOMS: '8001', PMS_PROVISION_SIP_SECRET: 'short' },
          only: ['hotel.rooms', 'provision'],
        }),
      /provision\.sipSecret \(environment PMS_PROVISION_SIP_SECRET\): at least 16 characters/,
    );
  });
});

describe('bin/pms-provision.js', () => {
  const env = { PMS_HOTEL_ROOMS: '8001-8003', PMS_PROVISION_SIP_SECRET: SECRET };

  it('prints pjsip_rooms.conf and the passwords the phones need', async () => {
    const conf = await provision(['pjsip'], env);
    assert.equal(conf.code, 0, conf.err);
    assert.match(conf.out, new RegExp(`^password = ${roomPassword(SECRET, '8003')}$`, 'm'));
    const one = await provision(['passwords', '8002'], env);
    assert.equal(one.out, `8002 ${roomPassword(SECRET, '8002')}\n`);
    const all = await provision(['passwords'], env);
    assert.equal(all.out.trim().split('\n').length, 3);
  });

  it('writes --out atomically and leaves no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pms-provision-'));
    try {
      const r = await provision(['pjsip', '--out', join(dir, 'pjsip_rooms.conf')], env);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(readdirSync(dir), ['pjsip_rooms.conf']);
      assert.match(readFileSync(join(dir, 'pjsip_rooms.conf'), 'utf8'), /^\[8003\]\(room-aor\)$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 without a secret, for a room not of the hotel, or on a usage mistake', async () => {
    const none = await provision(['pjsip'], { PMS_HOTEL_ROOMS: '8001' });
    assert.equal(none.code, 2);
    assert.match(none.err, /set provision\.sipSecret/);
    assert.equal((await provision(['passwords', '9001'], env)).code, 2);
    assert.equal((await provision(['frobnicate'], env)).code, 2);
  });
});
