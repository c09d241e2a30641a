// Configuration keys of the features built on the links: wake-up calls, voicemail and room
// provisioning. Part of KEYS (schema.ts), in this order.
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nonEmpty } from './checks.js';
import type { KeySpec } from './types.js';

// sounds/ of the engine's package, from src/config/ or dist/src/config/.
const DEFAULT_PROMPT_DIR = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  const up = here.split(sep).includes('dist') ? '../../../sounds' : '../../sounds';
  return resolve(here, up);
})();

// A voicemail context name: it becomes a [section] of voicemail.conf and a spool directory name.
const vmContext = (v: unknown): string | undefined =>
  /^[A-Za-z0-9_-]{1,64}$/.test(String(v)) && String(v) !== 'general' && String(v) !== 'zonemessages'
    ? undefined
    : 'letters, digits, _ and - only (not general or zonemessages)';

// A dial string with the one place holder {ext}: it reaches ARI's originate `endpoint`.
const dialString = (v: unknown): string | undefined =>
  /^[A-Za-z0-9_/@.-]*\{ext\}[A-Za-z0-9_/@.-]*$/.test(String(v))
    ? undefined
    : 'must contain {ext} once, with letters, digits, _ / @ . - around it';

const dtmfKey = (v: unknown): string | undefined =>
  /^[0-9*#]$/.test(String(v)) ? undefined : 'one key: 0-9, * or #';

export const FEATURE_KEYS: KeySpec[] = [
  {
    path: 'wakeup.promptDir',
    env: 'PMS_WAKEUP_PROMPT_DIR',
    kind: 'string',
    default: DEFAULT_PROMPT_DIR,
    defaultDoc: "the engine's sounds/",
    doc: 'the prompt library as the engine sees it: <format>/<name>.<format> files (AlarmClock `file` must exist here)',
    check: nonEmpty,
  },
  {
    path: 'wakeup.asteriskPromptDir',
    env: 'PMS_WAKEUP_ASTERISK_PROMPT_DIR',
    kind: 'string',
    default: '/var/lib/asterisk/sounds/pms',
    doc: 'the same library as Asterisk sees it (absolute path; install sounds/ there)',
    check: (v) =>
      /^\/[A-Za-z0-9_./-]*$/.test(String(v)) ? undefined : 'an absolute path of letters, digits, _ . / -',
  },
  {
    path: 'wakeup.dialString',
    env: 'PMS_WAKEUP_DIAL_STRING',
    kind: 'string',
    default: 'PJSIP/{ext}',
    doc: "how a wake-up reaches a room's phone; {ext} is the room (DND does not apply)",
    check: dialString,
  },
  {
    path: 'wakeup.formats',
    env: 'PMS_WAKEUP_FORMATS',
    kind: 'string',
    default: 'ulaw,alaw,gsm',
    doc: 'codecs a wake-up or alert call may use where the endpoint does not decide (a Local/… dial string). Narrowband on purpose: left open, Asterisk gives a Local channel a wideband codec and resamples every prompt, 8x the CPU',
    check: (v) =>
      /^(ulaw|alaw|gsm|g722|g729|slin)(,(ulaw|alaw|gsm|g722|g729|slin))*$/.test(String(v))
        ? undefined
        : 'a comma-separated list of ulaw, alaw, gsm, g722, g729, slin',
  },
  {
    path: 'wakeup.callerIdName',
    env: 'PMS_WAKEUP_CALLER_ID_NAME',
    kind: 'string',
    default: 'Wake-up call',
    doc: 'caller name the room phone shows for a wake-up call',
    check: (v) =>
      /^[\p{L}\p{N} .,:!()'-]{1,40}$/u.test(String(v))
        ? undefined
        : "1-40 letters, digits, spaces, . , : ! ( ) ' -",
  },
  {
    path: 'wakeup.callerIdNumber',
    env: 'PMS_WAKEUP_CALLER_ID_NUMBER',
    kind: 'string',
    default: 'wakeup',
    doc: 'caller number of a wake-up call',
    check: (v) =>
      /^[A-Za-z0-9*#+_-]{1,32}$/.test(String(v)) ? undefined : '1-32 letters, digits, * # + _ -',
  },
  {
    path: 'wakeup.ringSeconds',
    env: 'PMS_WAKEUP_RING_SECONDS',
    kind: 'int',
    default: 45,
    min: 5,
    max: 300,
    doc: 'how long one wake-up attempt rings before it counts as no answer',
  },
  {
    path: 'wakeup.graceSeconds',
    env: 'PMS_WAKEUP_GRACE_SECONDS',
    kind: 'int',
    default: 600,
    min: 0,
    max: 86_400,
    doc: 'a wake-up that fell due while the engine was down is still placed if it is at most this late, else recorded as missed',
  },
  {
    path: 'wakeup.maxConcurrentCalls',
    env: 'PMS_WAKEUP_MAX_CONCURRENT_CALLS',
    kind: 'int',
    default: 150,
    min: 1,
    max: 1000,
    doc: 'ceiling on wake-up calls in progress at once; the others wait in order of due time',
  },
  {
    path: 'wakeup.callsPerSecond',
    env: 'PMS_WAKEUP_CALLS_PER_SECOND',
    kind: 'int',
    default: 10,
    min: 1,
    max: 100,
    doc: 'ceiling on new wake-up calls started per second',
  },
  {
    path: 'wakeup.minuteSeconds',
    env: 'PMS_WAKEUP_MINUTE_SECONDS',
    kind: 'int',
    default: 60,
    min: 1,
    max: 60,
    doc: 'length in seconds of one minute of AlarmClock `frequency` (retry spacing). 60 in production; the lab tests shorten it',
  },
  {
    path: 'wakeup.confirmDigit',
    env: 'PMS_WAKEUP_CONFIRM_DIGIT',
    kind: 'string',
    default: '1',
    doc: 'key the guest presses to confirm the wake-up (the prompt pms-wakeup-confirm says which)',
    check: dtmfKey,
  },
  {
    path: 'wakeup.snoozeDigit',
    env: 'PMS_WAKEUP_SNOOZE_DIGIT',
    kind: 'string',
    default: '2',
    doc: 'key the guest presses to snooze: one more call after wakeup.snoozeMinutes',
    check: dtmfKey,
  },
  {
    path: 'wakeup.snoozeMinutes',
    env: 'PMS_WAKEUP_SNOOZE_MINUTES',
    kind: 'int',
    default: 5,
    min: 1,
    max: 60,
    doc: 'how long a snooze lasts (in minutes of wakeup.minuteSeconds)',
  },
  {
    path: 'wakeup.noKeyConfirms',
    env: 'PMS_WAKEUP_NO_KEY_CONFIRMS',
    kind: 'bool',
    default: true,
    doc: 'an answered call with no key pressed counts as confirmed; false: it counts as not answered and is retried',
  },
  {
    path: 'wakeup.keyWaitSeconds',
    env: 'PMS_WAKEUP_KEY_WAIT_SECONDS',
    kind: 'int',
    default: 5,
    min: 1,
    max: 60,
    doc: 'after the prompts, how long the call waits for the confirm or snooze key',
  },
  {
    path: 'wakeup.receptionExtension',
    env: 'PMS_WAKEUP_RECEPTION_EXTENSION',
    kind: 'string',
    default: '',
    defaultDoc: '(none: no alert call)',
    doc: 'extension called with "the wake-up call for room N was not answered" after the last failed attempt',
    check: (v) => (/^[0-9*#]{0,20}$/.test(String(v)) ? undefined : 'digits, * and # only (or empty)'),
  },
  {
    path: 'wakeup.receptionDialString',
    env: 'PMS_WAKEUP_RECEPTION_DIAL_STRING',
    kind: 'string',
    default: 'PJSIP/{ext}',
    doc: 'how the reception alert reaches wakeup.receptionExtension; {ext} is that extension',
    check: dialString,
  },
  {
    path: 'wakeup.notifyPms',
    env: 'PMS_WAKEUP_NOTIFY_PMS',
    kind: 'bool',
    default: true,
    doc: "push each wake-up's final result to every logged-in PMS session (our extension: Action Query, CallMethod WakeupResult)",
  },
  {
    path: 'wakeup.linkRetrySeconds',
    env: 'PMS_WAKEUP_LINK_RETRY_SECONDS',
    kind: 'int',
    default: 5,
    min: 1,
    max: 120,
    doc: "a call that failed on the engine's own side (ARI down, reset, timeout) is placed again after this; it is not the guest's attempt",
  },
  {
    path: 'wakeup.linkRetries',
    env: 'PMS_WAKEUP_LINK_RETRIES',
    kind: 'int',
    default: 6,
    min: 0,
    max: 100,
    doc: 'engine-side failures tolerated per attempt before it counts as failed (bounded, so a broken PBX link ends in an alert, not a loop)',
  },
  {
    path: 'voicemail.includeFile',
    env: 'PMS_VOICEMAIL_INCLUDE_FILE',
    kind: 'string',
    default: '/etc/asterisk/voicemail_pms_rooms.conf',
    doc: "the rooms' mailboxes, written by the engine (temp + rename) and included by voicemail.conf; the engine must run on Asterisk's host or share this file (relative paths: from the engine's working directory)",
    check: nonEmpty,
  },
  {
    path: 'voicemail.spoolDir',
    env: 'PMS_VOICEMAIL_SPOOL_DIR',
    kind: 'string',
    default: '/var/spool/asterisk/voicemail',
    doc: "Asterisk's voicemail spool as the engine sees it: check-out deletes a room's messages there, a room change moves them",
    check: nonEmpty,
  },
  {
    path: 'voicemail.context',
    env: 'PMS_VOICEMAIL_CONTEXT',
    kind: 'string',
    default: 'pms-vm',
    doc: 'voicemail context of the rooms whose message lamp is off (Usevmwi: 0)',
    check: vmContext,
  },
  {
    path: 'voicemail.mwiContext',
    env: 'PMS_VOICEMAIL_MWI_CONTEXT',
    kind: 'string',
    default: 'pms-vm-mwi',
    doc: 'voicemail context of the rooms whose message lamp is on (Usevmwi: 1); each room endpoint has mailboxes=<room>@this context',
    check: vmContext,
  },
  {
    path: 'voicemail.deskContext',
    env: 'PMS_VOICEMAIL_DESK_CONTEXT',
    kind: 'string',
    default: 'pms-desk',
    doc: "voicemail context of the front-desk lamp: one mailbox per room, holding a marker while the PMS's message lamp (FIAS RE ML) is on; each room endpoint has mailboxes=<room>@voicemail.mwiContext,<room>@this context",
    check: vmContext,
  },
  {
    path: 'voicemail.reloadModule',
    env: 'PMS_VOICEMAIL_RELOAD_MODULE',
    kind: 'string',
    default: 'app_voicemail.so',
    doc: 'module the engine reloads (AMI Reload) after writing voicemail.includeFile',
    check: (v) =>
      /^[A-Za-z0-9_.-]{1,64}$/.test(String(v)) ? undefined : 'a module name such as app_voicemail.so',
  },
  {
    path: 'provision.sipSecret',
    env: 'PMS_PROVISION_SIP_SECRET',
    kind: 'string',
    default: '',
    defaultDoc: '(none)',
    doc: "secret from which pms-provision derives each room's SIP password (HMAC-SHA256); only pms-provision reads it",
    check: (v) =>
      v === '' || String(v).length >= 16
        ? undefined
        : 'at least 16 characters (or empty when pms-provision is not used)',
    secret: true,
  },
];
