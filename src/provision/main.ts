// `pms-provision`: the hotel's rooms, declared once in the engine's configuration (hotel.rooms,
// provision.sipSecret, voicemail.mwiContext, voicemail.deskContext; PMS_CONFIG file and PMS_* variables, as for the engine),
// turned into Asterisk's PJSIP endpoints.
//
//   pms-provision pjsip [--out FILE]     pjsip_rooms.conf (stdout, or FILE written atomically)
//   pms-provision passwords [ROOM...]    "room password" lines, for setting up the phones
//
// Exit codes: 0 done, 2 configuration or usage problem.
import { renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { RoomSet } from '../rooms/room-set.js';
import { roomPassword } from './passwords.js';
import { roomsConf } from './pjsip.js';

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  let config;
  try {
    config = loadConfig({
      only: ['hotel.rooms', 'provision', 'voicemail.mwiContext', 'voicemail.deskContext'],
    });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 2;
  }
  const secret = config.provision.sipSecret;
  if (!secret) {
    console.error(
      "pms-provision: set provision.sipSecret (PMS_PROVISION_SIP_SECRET): the rooms' SIP passwords derive from it",
    );
    return 2;
  }
  const rooms = RoomSet.parse(config.hotel.rooms);
  if (command === 'pjsip') {
    const out = rest[0] === '--out' && rest.length === 2 ? rest[1] : rest.length === 0 ? undefined : null;
    if (out === null) return usage();
    const text = roomsConf({
      rooms,
      password: (room) => roomPassword(secret, room),
      mwiContext: config.voicemail.mwiContext,
      deskContext: config.voicemail.deskContext,
      header: [
        `Written by pms-provision from hotel.rooms (${config.hotel.rooms}): ${rooms.size} rooms. Do not edit:`,
        'change the configuration and run pms-provision again. The passwords derive from',
        'provision.sipSecret; list them with `pms-provision passwords`.',
      ],
    });
    if (out === undefined) process.stdout.write(text);
    else {
      // Written next to the target and renamed: Asterisk never reads a half-written file.
      const tmp = join(dirname(out), `.${basename(out)}.${process.pid}.tmp`);
      writeFileSync(tmp, text, { mode: 0o640 });
      renameSync(tmp, out);
      console.error(`pms-provision: ${rooms.size} rooms written to ${out}`);
    }
    return 0;
  }
  if (command === 'passwords') {
    for (const room of rest) {
      if (!rooms.has(room)) {
        console.error(`pms-provision: ${room} is not a room of hotel.rooms (${config.hotel.rooms})`);
        return 2;
      }
    }
    for (const room of rest.length ? rest : rooms)
      process.stdout.write(`${room} ${roomPassword(secret, room)}\n`);
    return 0;
  }
  return usage();
}

function usage(): number {
  console.error('usage: pms-provision pjsip [--out FILE] | pms-provision passwords [ROOM...]');
  return 2;
}

process.exitCode = main(process.argv.slice(2));
