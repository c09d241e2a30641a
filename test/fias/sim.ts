// A FIAS PMS interface (IFC) simulator: the PMS side of the link, a TCP server, written from the rules
// of "IFC8 FIAS Interface Specification 2.20" ("Usage of LS LD LA LE Records", "FIAS Implementation
// Notes & Exceptions", "Appendix A - FAQ"). Test infrastructure, and the peer of `pms-fias-sim`.
//
// What it does, as an IFC does:
// - One connection at a time: a new connect drops the old one.
// - On connect it sends LS (unless `silent`, an IFC that waits for the vendor to start).
// - It reads our LD, our LR…, and on the LA that closes them answers LA: the link is Alive.
// - Our LS is answered with LA while it holds our description (the alive check), unless told not to.
// - Our LE is answered with LE, after which it closes the connection (an IFC drops the port on LE).
// - An LE of its own waits for ours; ours is then the answer, not a new LE to answer.
// - Our DR is answered with DS, the records of `inHouse` (SF GIs), then DE.
// - Our PS is answered with PA (AS `answerPostings`, our P#), unless that is null.
// It records every record it reads, with the time and whether the link was Alive then, and can send
// any record, raw bytes, an LE, or drop the connection.
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  FiasParser,
  parseRecordBody,
  serializeRecord,
  type FiasEncoding,
} from '../../src/fias/codec/index.js';
import { fiasRecord, type FiasRecord } from '../../src/fias/record.js';

export interface SimOptions {
  host?: string;
  /** 0: any free port. */
  port?: number;
  encoding?: FiasEncoding;
  /** Send no LS on connect: the vendor system must start the link. */
  silent?: boolean;
  /** Answer our alive-check LS with LA (default true); false tests the keepalive's deadline. */
  answerAliveChecks?: boolean;
  /** Answer our LD/LR/LA with LA (default true). */
  answerInit?: boolean;
  /** DA/TI of the records it stamps; default the wall clock. */
  now?: () => Date;
}

export interface SimReceived {
  /** Date.now() when it was read. */
  at: number;
  record: FiasRecord;
  /** Which connection (1, 2 …). */
  conn: number;
  /** The link was Alive (our LD/LR/LA answered) when it came. */
  alive: boolean;
}

interface SimEvents {
  record: [SimReceived];
  connection: [number];
  closed: [number];
  alive: [number];
  frameError: [string];
}

export class FiasSim extends EventEmitter<SimEvents> {
  readonly received: SimReceived[] = [];
  readonly frameErrors: string[] = [];
  /** LR records of the current description, by RI. */
  readonly described = new Map<string, string>();
  answerAliveChecks: boolean;
  answerInit: boolean;
  silent: boolean;
  readonly encoding: FiasEncoding;
  #server: Server | undefined;
  #socket: Socket | undefined;
  #conns = 0;
  #alive = false;
  #describing = false;
  #sentLe = false;
  /** The AS it answers a PS with (OK by default); null: no PA (the test sends its own). */
  answerPostings: string | null = 'OK';
  /** What it sends between DS and DE when the vendor asks for a resync (DR): its guests in house. */
  inHouse: Array<FiasRecord | string> = [];
  /** Date.now() at the last Alive. */
  aliveAt: number | undefined;
  readonly #o: SimOptions;

  constructor(options: SimOptions = {}) {
    super();
    this.#o = options;
    this.encoding = options.encoding ?? 'latin1';
    this.silent = options.silent ?? false;
    this.answerAliveChecks = options.answerAliveChecks ?? true;
    this.answerInit = options.answerInit ?? true;
  }

  /** The bound port, once listening. */
  get port(): number {
    return (this.#server?.address() as AddressInfo | null)?.port ?? 0;
  }
  get connections(): number {
    return this.#conns;
  }
  get connected(): boolean {
    return this.#socket !== undefined && !this.#socket.destroyed;
  }
  get alive(): boolean {
    return this.#alive;
  }

  async listen(): Promise<number> {
    const server = createServer((s) => this.#accept(s));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#o.port ?? 0, this.#o.host ?? '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.#socket?.destroy();
    const server = this.#server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Sends a record (or a line such as `GI|RN8001|G#123|GNSmith|`) on the current connection. */
  send(record: FiasRecord | string): void {
    const r = typeof record === 'string' ? parseLine(record) : record;
    if (r.id === 'LE') this.#sentLe = true;
    this.sendRaw(serializeRecord(r, this.encoding));
  }

  sendRaw(bytes: Uint8Array): void {
    if (!this.#socket || this.#socket.destroyed) throw new Error('FIAS sim: no connection');
    this.#socket.write(bytes);
  }

  /** The IFC ends the link: LE, then it waits for ours. */
  sendLE(): void {
    this.#alive = false;
    this.send(this.#stamped('LE'));
  }

  /** Stops reading the connection (a PMS that hangs): our writes pile up in the engine. */
  pauseReading(): void {
    this.#socket?.pause();
  }

  /** The connection drops without an LE (an IFC killed, a cable pulled). */
  drop(): void {
    this.#socket?.destroy();
  }

  /** Resolves with the first received record (from `from` on) that `pred` accepts, or rejects after `ms`. */
  waitFor(pred: (r: SimReceived) => boolean, ms: number, what: string, from = 0): Promise<SimReceived> {
    const seen = this.received.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('record', on);
        reject(new Error(`FIAS sim: no ${what} within ${ms} ms`));
      }, ms);
      const on = (r: SimReceived): void => {
        if (!pred(r)) return;
        clearTimeout(timer);
        this.off('record', on);
        resolve(r);
      };
      this.on('record', on);
    });
  }

  /** Resolves on the given event (once), or rejects after `ms`. */
  waitEvent<K extends keyof SimEvents>(event: K, ms: number): Promise<SimEvents[K]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off(event, on as never);
        reject(new Error(`FIAS sim: no ${event} within ${ms} ms`));
      }, ms);
      const on = (...args: SimEvents[K]): void => {
        clearTimeout(timer);
        resolve(args);
      };
      this.once(event, on as never);
    });
  }

  /** Record IDs received, in order (optionally only on connection `conn`). */
  ids(conn?: number): string[] {
    return this.received.filter((r) => conn === undefined || r.conn === conn).map((r) => r.record.id);
  }

  #accept(socket: Socket): void {
    this.#socket?.destroy(); // one link at a time: the newer connection wins
    this.#socket = socket;
    const conn = ++this.#conns;
    this.#alive = false;
    this.#describing = false;
    this.#sentLe = false;
    this.described.clear();
    const parser = new FiasParser({ encoding: this.encoding });
    socket.on('data', (chunk: Buffer) => {
      for (const r of parser.push(chunk)) {
        if (r.ok) this.#read(conn, r.record);
        else {
          this.frameErrors.push(r.error.message);
          this.emit('frameError', r.error.message);
        }
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.#socket === socket) {
        this.#socket = undefined;
        this.#alive = false;
      }
      this.emit('closed', conn);
    });
    this.emit('connection', conn);
    if (!this.silent) this.send(this.#stamped('LS'));
  }

  #read(conn: number, record: FiasRecord): void {
    const entry: SimReceived = { at: Date.now(), record, conn, alive: this.#alive };
    this.received.push(entry);
    this.emit('record', entry);
    if (conn === this.#conns) this.#react(record);
  }

  #react(record: FiasRecord): void {
    switch (record.id) {
      case 'LD':
        this.#describing = true;
        this.#alive = false;
        this.described.clear();
        return;
      case 'LR':
        if (this.#describing)
          this.described.set(record.fields.get('RI') ?? '', record.fields.get('FL') ?? '');
        return;
      case 'LA':
        // The LA that ends our description makes the link Alive; any other LA needs no answer.
        if (this.#describing && this.answerInit) {
          this.#describing = false;
          this.#alive = true;
          this.aliveAt = Date.now();
          this.send(this.#stamped('LA'));
          this.emit('alive', this.#conns);
        }
        return;
      case 'LS':
        // Our alive check: LA while the IFC still knows our description ("Appendix A - FAQ").
        if (this.answerAliveChecks && this.described.size > 0) this.send(this.#stamped('LA'));
        return;
      case 'PS':
        // A call charge: the PMS answers PA with its P#, unless told to hold (a test answers by hand).
        if (this.answerPostings)
          this.send(
            fiasRecord('PA', [
              ['AS', this.answerPostings],
              ['P#', record.fields.get('P#') ?? ''],
              ['RN', record.fields.get('RN') ?? ''],
            ]),
          );
        return;
      case 'DR':
        // A database resync, as an IFC answers it: DS, every guest in house, DE.
        this.send(this.#stamped('DS'));
        for (const r of this.inHouse) this.send(r);
        this.send(this.#stamped('DE'));
        return;
      case 'LE':
        this.#alive = false;
        if (this.#sentLe) {
          this.#sentLe = false; // the answer to ours
          return;
        }
        this.send(this.#stamped('LE'));
        this.#socket?.end();
        return;
    }
  }

  #stamped(id: string): FiasRecord {
    const d = this.#o.now?.() ?? new Date();
    const p = (n: number): string => String(n).padStart(2, '0');
    return fiasRecord(id, [
      ['DA', `${p(d.getFullYear() % 100)}${p(d.getMonth() + 1)}${p(d.getDate())}`],
      ['TI', `${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`],
    ]);
  }
}

/** `GI|RN8001|G#123|GNSmith|` (the record as the spec prints it, no STX/ETX) as a FiasRecord. */
export function parseLine(line: string): FiasRecord {
  const r = parseRecordBody(Buffer.from(line.trim(), 'utf8'), 'utf8');
  if (!r.ok) throw new Error(`not a FIAS record: ${r.error.message}`);
  return r.record;
}

/** A record as the spec prints it: `GI|RN8001|GNSmith|`. */
export function formatRecord(record: FiasRecord): string {
  return `${record.id}|${[...record.fields].map(([k, v]) => `${k}${v}|`).join('')}`;
}
