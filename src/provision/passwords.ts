// Each room's SIP password, derived from one configured secret (provision.sipSecret): nothing per room
// to store or to leak in a repository, the same password every time it is asked for, and a different
// secret changes them all. HMAC-SHA256(secret, "pms-room-sip:<room>") read as 16 characters of a
// 32-letter alphabet without look-alikes (no 0/o, 1/l): 80 bits, typed easily on a phone's keypad UI.
import { createHmac } from 'node:crypto';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
export const PASSWORD_LENGTH = 16;

export function roomPassword(secret: string, room: string): string {
  if (secret === '')
    throw new Error('no SIP secret configured (provision.sipSecret, PMS_PROVISION_SIP_SECRET)');
  const mac = createHmac('sha256', secret).update(`pms-room-sip:${room}`).digest();
  let out = '';
  for (let i = 0; i < PASSWORD_LENGTH; i++) out += ALPHABET[mac[i]! & 31];
  return out;
}
