// A lab room phone (baresip) driven over its ctrl_tcp port: dial, hang up, answer, wait for call
// events, measure what it heard. The phones run from `make lab-up` (lab/phones.sh).
//
// baresip quirks handled here:
// - ctrl_tcp serves one client at a time: opening phone('8001') twice drops the first connection.
// - With answermode=auto, baresip 1.0 answers without a CALL_INCOMING event. So that tests read the
//   same whatever the answer mode, an incoming call's first call event is preceded by a CALL_INCOMING
//   marked `derived: true` when baresip sent none.
// - The recording (sndfile module) is a valid wav only once the call has ended.
// - Every call event carries the peer's display name (`peerdisplayname`, UTF-8): callerName of a
//   CALL_INCOMING is the caller name the phone would show.
import { execFile } from 'node:child_process';
import { readdir, stat, open } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { LAB_PHONES_DIR, labEnv } from './lab.js';
import { encodeNetstring, NetstringReader } from './netstring.js';

export interface PhoneEvent {
  /** baresip's event type: CALL_INCOMING, CALL_RINGING, CALL_ESTABLISHED, CALL_CLOSED, ... */
  type: string;
  /** 'incoming' | 'outgoing' for call events. */
  direction?: string;
  peerUri?: string;
  /** The caller's (or callee's) display name as the phone shows it, e.g. the guest name Asterisk put on
   *  an incoming call (baresip's `peerdisplayname`); absent when the peer sent none. */
  callerName?: string;
  /** SIP call id; absent on the very first event of an outgoing call. */
  callId?: string;
  /** CALL_CLOSED: the reason ("Connection reset by peer", "404 Not Found", ...). */
  param?: string;
  /** True for a CALL_INCOMING this helper added (see the file comment). */
  derived?: boolean;
  raw: Record<string, unknown>;
}

export interface CallOutcome {
  established: boolean;
  /** Why the call ended: baresip's CALL_CLOSED reason, or what the helper saw go wrong. */
  closedReason: string;
  /** Event types of this call, in order. */
  events: string[];
}

export interface DialOptions {
  /** Deadline for the call to be established or refused; default 30 000 ms. */
  timeoutMs?: number;
  /** Once established, how long the phone stays on the line before hanging up (unless the other side
   *  hangs up first); default 0. */
  holdMs?: number;
}

export interface Recording {
  file: string;
  seconds: number;
  /** RMS amplitude (0..1) of what the phone heard: a prompt gives about 0.05, silence 0. */
  rms: number;
}

export interface Phone {
  readonly ext: string;
  /** Resolves once baresip has accepted this client (every other method waits for it too). */
  ready(): Promise<void>;
  /** Dials a number of the PBX (or a full sip: URI) and resolves with how the call ended. */
  dial(target: string, opts?: DialOptions): Promise<CallOutcome>;
  hangup(): Promise<void>;
  /** Answers a ringing call (phones in manual answer mode). */
  answer(): Promise<void>;
  /** Switches the running phone's answer mode; a lab restart brings back LAB_PHONE_<ext>_ANSWERMODE. */
  setAutoAnswer(on: boolean): Promise<void>;
  /** Sends DTMF digits (0-9 * #) on the current call (baresip `sndcode`). */
  sendDigits(digits: string): Promise<void>;
  /**
   * Switches what the phone sends, for the current call and the following ones: a wav file (16-bit
   * PCM, 8 kHz), e.g. LAB_TONE; `LAB_SILENCE` gives back the lab's default. Restore it after a test.
   */
  setAudioSource(wavFile: string): Promise<void>;
  /** The first event of this type that waitForEvent has not returned yet, received or to come. */
  waitForEvent(type: string, timeoutMs?: number): Promise<PhoneEvent>;
  /** Every event received since the phone was opened. */
  events(): readonly PhoneEvent[];
  /** The newest recording of what this phone heard (waits until its call has ended). */
  lastRecording(): Promise<Recording>;
  close(): void;
}

/** What the lab phones send by default, and a 440 Hz tone (both made by lab/phones.sh). */
export const LAB_SILENCE = resolve(LAB_PHONES_DIR, '../silence.wav');
export const LAB_TONE = resolve(LAB_PHONES_DIR, '../tone.wav');

const COMMAND_TIMEOUT_MS = 5_000;
const HANGUP_TIMEOUT_MS = 5_000;
const RECORDING_TIMEOUT_MS = 5_000;

/** Phones open in this process: a dial waits for all of them, so the callee's events are not missed. */
const openPhones = new Set<BaresipPhone>();

export function phone(ext: string): Phone {
  const env = labEnv();
  const port = Number(env[`LAB_PHONE_${ext}_CTRL_PORT`]);
  if (!Number.isInteger(port) || port <= 0) {
    throw new Error(
      `phone ${ext}: lab/lab.env has no LAB_PHONE_${ext}_CTRL_PORT (phones: ${env.LAB_PHONES})`,
    );
  }
  const sip = `${env.LAB_SIP_HOST ?? '127.0.0.1'}:${env.LAB_SIP_PORT ?? '5060'}`;
  return new BaresipPhone(ext, port, sip);
}

interface Waiter {
  match: (e: PhoneEvent) => boolean;
  resolve: (e: PhoneEvent) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

class BaresipPhone implements Phone {
  private readonly socket: Socket;
  private readonly reader = new NetstringReader();
  private readonly connected: Promise<void>;
  private readonly log: PhoneEvent[] = [];
  private readonly returned = new Set<PhoneEvent>();
  private readonly announced = new Set<string>();
  private waiters: Waiter[] = [];
  private readonly pending = new Map<
    string,
    { resolve: (r: Response) => void; reject: (e: Error) => void }
  >();
  private nextToken = 1;
  private closedError: Error | undefined;

  constructor(
    readonly ext: string,
    private readonly port: number,
    private readonly sipHostPort: string,
  ) {
    this.socket = connect({ host: '127.0.0.1', port });
    // A phone a test forgot to close() must not keep the test process alive (node:test would wait for
    // it forever). Every wait below has its own timer, which keeps the process alive while it waits.
    this.socket.unref();
    this.socket.on('data', (chunk) => this.onData(chunk));
    this.socket.on('error', (err) => this.fail(this.error(`ctrl_tcp 127.0.0.1:${port}: ${err.message}`)));
    this.socket.on('close', () =>
      this.fail(
        this.error('ctrl_tcp connection closed (another phone() on the same extension, or baresip stopped)'),
      ),
    );
    this.connected = new Promise<void>((res, rej) => {
      const timer = setTimeout(
        () => rej(new Error(`no connection within ${COMMAND_TIMEOUT_MS} ms`)),
        COMMAND_TIMEOUT_MS,
      );
      this.socket.once('connect', () => {
        clearTimeout(timer);
        res();
      });
      this.socket.once('error', (err) => {
        clearTimeout(timer);
        rej(err);
      });
    }).then(async () => {
      // A command answered proves baresip has accepted this client and will send it its events.
      await this.command('reginfo');
    });
    this.connected.catch(() => undefined); // reported by whichever method awaits it
    openPhones.add(this);
  }

  async ready(): Promise<void> {
    try {
      await this.connected;
    } catch (err) {
      throw this.error(`not reachable (${(err as Error).message}); is the lab up? run \`make lab-up\``);
    }
  }

  async dial(target: string, opts: DialOptions = {}): Promise<CallOutcome> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const holdMs = opts.holdMs ?? 0;
    await Promise.all([...openPhones].map((p) => p.ready()));
    const uri = /^sips?:/.test(target) ? target : `sip:${target}@${this.sipHostPort}`;
    const start = this.log.length;
    const ofCall = (e: PhoneEvent): boolean => e.direction === 'outgoing' && e.peerUri === uri;
    const outcome = (established: boolean, closedReason: string): CallOutcome => ({
      established,
      closedReason,
      events: this.log
        .slice(start)
        .filter(ofCall)
        .map((e) => e.type),
    });

    const res = await this.command('dial', uri);
    if (!res.ok) return outcome(false, `dial refused by baresip: ${res.data.trim()}`);

    const first = await this.eventFrom(
      start,
      (e) => ofCall(e) && (e.type === 'CALL_ESTABLISHED' || e.type === 'CALL_CLOSED'),
      timeoutMs,
    );
    if (!first) {
      const closed = await this.hangupAndWait(start, ofCall);
      return outcome(false, `not established within ${timeoutMs} ms (hung up: ${closed})`);
    }
    if (first.type === 'CALL_CLOSED') return outcome(false, first.param ?? '');

    const from = this.log.indexOf(first) + 1;
    const closed = await this.eventFrom(from, (e) => ofCall(e) && e.type === 'CALL_CLOSED', holdMs);
    if (closed) return outcome(true, closed.param ?? '');
    return outcome(true, await this.hangupAndWait(from, ofCall));
  }

  async hangup(): Promise<void> {
    await this.command('hangup');
  }

  async answer(): Promise<void> {
    await this.command('accept');
  }

  async setAutoAnswer(on: boolean): Promise<void> {
    const res = await this.command('answermode', on ? 'auto' : 'manual');
    if (!res.ok) throw this.error(`answermode refused: ${res.data.trim()}`);
  }

  async sendDigits(digits: string): Promise<void> {
    if (!/^[0-9*#]+$/.test(digits)) throw this.error(`not DTMF digits: ${digits}`);
    const res = await this.command('sndcode', digits);
    if (!res.ok) throw this.error(`sndcode refused: ${res.data.trim()}`);
  }

  async setAudioSource(wavFile: string): Promise<void> {
    const res = await this.command('ausrc', `aufile,${wavFile}`);
    if (!res.ok) throw this.error(`ausrc refused: ${res.data.trim()}`);
  }

  async waitForEvent(type: string, timeoutMs = 10_000): Promise<PhoneEvent> {
    await this.ready();
    const match = (e: PhoneEvent): boolean => e.type === type && !this.returned.has(e);
    const found = this.log.find(match) ?? (await this.eventFrom(this.log.length, match, timeoutMs));
    if (!found) {
      const seen = this.log.map((e) => e.type).join(', ') || 'none';
      throw this.error(`no ${type} within ${timeoutMs} ms (events so far: ${seen})`);
    }
    this.returned.add(found);
    return found;
  }

  events(): readonly PhoneEvent[] {
    return this.log;
  }

  async lastRecording(): Promise<Recording> {
    const dir = resolve(LAB_PHONES_DIR, this.ext, 'recordings');
    const names = (await readdir(dir)).filter((n) => n.endsWith('-dec.wav'));
    if (!names.length) throw this.error(`no recording (*-dec.wav) in ${dir}`);
    const stats = await Promise.all(
      names.map(async (n) => ({ n, mtime: (await stat(resolve(dir, n))).mtimeMs })),
    );
    const file = resolve(dir, stats.sort((a, b) => b.mtime - a.mtime)[0]!.n);
    await this.waitWavComplete(file);
    const report = await soxStat(file);
    const num = (label: string): number => {
      const m = new RegExp(`^${label}:\\s+(-?[\\d.]+)`, 'm').exec(report);
      if (!m) throw this.error(`sox stat of ${file} has no "${label}":\n${report}`);
      return Number(m[1]);
    };
    return { file, seconds: num('Length \\(seconds\\)'), rms: num('RMS\\s+amplitude') };
  }

  close(): void {
    openPhones.delete(this);
    this.socket.destroy();
    this.fail(this.error('closed'));
  }

  // --- internals ---------------------------------------------------------------------------------

  private error(message: string): Error {
    return new Error(`phone ${this.ext}: ${message}`);
  }

  /** The first event at or after log index `from` that matches, or undefined after `timeoutMs`. */
  private eventFrom(
    from: number,
    match: (e: PhoneEvent) => boolean,
    timeoutMs: number,
  ): Promise<PhoneEvent | undefined> {
    const found = this.log.slice(from).find(match);
    if (found) return Promise.resolve(found);
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((res, rej) => {
      const waiter: Waiter = {
        match,
        resolve: res,
        reject: rej,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          res(undefined);
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Hangs up and returns the CALL_CLOSED reason of the call (`ofCall`) after log index `from`. */
  private async hangupAndWait(from: number, ofCall: (e: PhoneEvent) => boolean): Promise<string> {
    await this.hangup();
    const closed = await this.eventFrom(
      from,
      (e) => ofCall(e) && e.type === 'CALL_CLOSED',
      HANGUP_TIMEOUT_MS,
    );
    if (!closed) throw this.error(`call did not close within ${HANGUP_TIMEOUT_MS} ms of hanging up`);
    return closed.param ?? '';
  }

  private command(command: string, params?: string): Promise<Response> {
    if (this.closedError) return Promise.reject(this.closedError);
    const token = `${this.ext}-${this.nextToken++}`;
    return new Promise<Response>((res, rej) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        rej(this.error(`no answer to "${command}" within ${COMMAND_TIMEOUT_MS} ms`));
      }, COMMAND_TIMEOUT_MS);
      this.pending.set(token, {
        resolve: (r) => {
          clearTimeout(timer);
          res(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          rej(e);
        },
      });
      this.socket.write(encodeNetstring(JSON.stringify({ command, params, token })));
    });
  }

  private onData(chunk: Buffer): void {
    for (const item of this.reader.push(chunk)) {
      if ('error' in item) {
        this.fail(this.error(`ctrl_tcp sent garbage: ${item.error}`));
        this.socket.destroy();
        return;
      }
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(item.payload) as Record<string, unknown>;
      } catch {
        continue; // not JSON: nothing a test can use
      }
      if (msg.response === true) this.onResponse(msg);
      else if (msg.event === true) this.onEvent(msg);
    }
  }

  private onResponse(msg: Record<string, unknown>): void {
    const token = typeof msg.token === 'string' ? msg.token : '';
    const p = this.pending.get(token);
    if (!p) return;
    this.pending.delete(token);
    p.resolve({ ok: msg.ok === true, data: typeof msg.data === 'string' ? msg.data : '' });
  }

  private onEvent(raw: Record<string, unknown>): void {
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    const event: PhoneEvent = {
      type: str(raw.type) ?? 'UNKNOWN',
      direction: str(raw.direction),
      peerUri: str(raw.peeruri),
      callerName: str(raw.peerdisplayname),
      callId: str(raw.id),
      param: str(raw.param),
      raw,
    };
    if (
      event.direction === 'incoming' &&
      raw.class === 'call' &&
      event.callId &&
      !this.announced.has(event.callId)
    ) {
      this.announced.add(event.callId);
      if (event.type !== 'CALL_INCOMING')
        this.record({ ...event, type: 'CALL_INCOMING', param: event.peerUri, derived: true });
    }
    this.record(event);
  }

  private record(event: PhoneEvent): void {
    this.log.push(event);
    const matched = this.waiters.filter((w) => w.match(event));
    if (!matched.length) return;
    this.waiters = this.waiters.filter((w) => !matched.includes(w));
    for (const w of matched) {
      clearTimeout(w.timer);
      w.resolve(event);
    }
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    openPhones.delete(this);
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiters = [];
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** sndfile writes the wav's data size when the call ends: wait until the header matches the file. */
  private async waitWavComplete(file: string): Promise<void> {
    const deadline = Date.now() + RECORDING_TIMEOUT_MS;
    while (!(await wavComplete(file))) {
      if (Date.now() > deadline)
        throw this.error(`recording ${file} still open after ${RECORDING_TIMEOUT_MS} ms (call not ended?)`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

interface Response {
  ok: boolean;
  data: string;
}

/** True when the wav's "data" chunk is non-empty and ends exactly at the end of the file. */
async function wavComplete(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(Math.min(size, 4096));
    await fh.read(head, 0, head.length, 0);
    if (head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') return false;
    for (let off = 12; off + 8 <= head.length;) {
      const id = head.toString('ascii', off, off + 4);
      const len = head.readUInt32LE(off + 4);
      if (id === 'data') return len > 0 && off + 8 + len === size;
      off += 8 + len + (len % 2);
    }
    return false;
  } finally {
    await fh.close();
  }
}

/** `sox FILE -n stat` prints its report on stderr. */
function soxStat(file: string): Promise<string> {
  return new Promise((res, rej) => {
    execFile('sox', [file, '-n', 'stat'], { timeout: 10_000 }, (err, _stdout, stderr) => {
      if (err) rej(new Error(`sox ${file} -n stat failed: ${stderr || err.message}`));
      else res(stderr);
    });
  });
}

/** The message-waiting NOTIFYs `p` has received since its event `from` (baresip's mwi module). */
function mwiOf(p: Phone, from: number): PhoneEvent[] {
  return p
    .events()
    .slice(from)
    .filter((e) => e.type === 'MWI_NOTIFY');
}

const says = (waiting: boolean) => (e: PhoneEvent) =>
  new RegExp(`Messages-Waiting:\\s*${waiting ? 'yes' : 'no'}`, 'i').test(e.param ?? '');

/** Whether `p` has received a NOTIFY with its lamp on (or off) since its event `from`. */
export function lampSeen(p: Phone, from: number, on: boolean): boolean {
  return mwiOf(p, from).some(says(on));
}

/**
 * Resolves (with the time seen, ±25 ms) once `p` has received a NOTIFY with its lamp on/off since its
 * event `from`; fails after `ms` with the NOTIFYs it did get.
 */
export async function lamp(p: Phone, from: number, on: boolean, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  while (!lampSeen(p, from, on)) {
    if (Date.now() > deadline) {
      const got = mwiOf(p, from).map((e) => e.param?.replace(/\s+/g, ' '));
      throw new Error(
        `${p.ext}: no lamp-${on ? 'on' : 'off'} NOTIFY within ${ms} ms (got ${JSON.stringify(got)})`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now();
}
