// A stand-in for the voicemail service in session/handler unit tests: records what it was asked and
// stores the settings in the room, as the real one does (without files or Asterisk).
import type { RoomService } from '../../../src/rooms/service.js';
import type { MailboxSettings, VoicemailControl } from '../../../src/voicemail/service.js';

export class FakeVoicemail implements VoicemailControl {
  readonly calls: Array<{ extension: string; settings: MailboxSettings }> = [];
  constructor(private readonly rooms: RoomService) {}

  async configure(extension: string, settings: MailboxSettings): Promise<void> {
    await this.rooms.update(extension, (r) => ({ ...r, voicemail: settings }));
    this.calls.push({ extension, settings });
  }
}
