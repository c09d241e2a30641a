// seed 000 §5.4.4 — Action: Set, CallMethod: VoiceMail. `Use` 1 = the room has a mailbox (default 0:
// none; the mailbox and its messages are removed), `Usevmwi` 1 = the phone's message lamp follows it
// (default 0), `Email` where new messages are mailed (may be empty), `Attach` 1 = with the recording
// (default 1). Applied through the voicemail service: store, voicemail include file, app_voicemail.
import { defineHandler } from './types.js';
import { emailField, flagField, phoneField } from './fields.js';
import type { RoomSet } from '../rooms/room-set.js';

export default (rooms: RoomSet) =>
  defineHandler({
    action: 'Set',
    callMethod: 'VoiceMail',
    requiresLogin: true,
    errorEcho: ['Phone', 'Use', 'Usevmwi', 'Email', 'Attach'],
    parse(f) {
      return {
        phone: phoneField(f, 'Phone', rooms),
        settings: {
          enabled: flagField(f, 'Use', false),
          mwi: flagField(f, 'Usevmwi', false),
          email: emailField(f),
          attach: flagField(f, 'Attach', true),
        },
      };
    },
    async handle(req, { services, log, signal }) {
      await services.voicemail.configure(req.phone, req.settings, signal);
      const s = req.settings;
      log.info(
        { phone: req.phone, mailbox: s.enabled, mwi: s.mwi, email: s.email !== null },
        'voicemail set',
      );
      return [
        ['Phone', req.phone],
        ['Use', s.enabled ? '1' : '0'],
        ['Usevmwi', s.mwi ? '1' : '0'],
        ['Email', s.email ?? ''],
        ['Attach', s.attach ? '1' : '0'],
      ];
    },
  });
