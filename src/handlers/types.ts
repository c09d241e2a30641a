// The contract between the dispatcher and the one-file-per-command handlers.
import type { Logger } from 'pino';
import type { Account } from '../config/index.js';
import type { Frame, FieldList } from '../protocol/index.js';
import type { AccountBook } from '../server/accounts.js';
import type { FailureOutcome } from '../server/login-guard.js';
import type { AmiLink } from '../pbx/types.js';
import type { RoomService } from '../rooms/service.js';
import type { CdrReader } from '../cdr/source.js';
import type { FiasControl } from '../fias/wire.js';
import type { StoredPosting } from '../store/fias-postings.js';
import type { Strategy } from '../wakeup/strategy.js';
import type { VoicemailControl } from '../voicemail/service.js';

/** What a handler may see and change of its session. */
export interface SessionControl {
  readonly id: string;
  readonly remote: string;
  readonly account: Account | undefined;
  login(account: Account): void;
  logout(): void;
  /**
   * Counts a failed login, on this connection and for its source address: the reply is to wait
   * `delayMs`; the session closes itself after too many, or when this failure locked the address out.
   */
  loginFailed(): FailureOutcome;
  /** Seconds the source address is still locked out (0: not); when locked, the session closes after this reply. */
  lockedOutFor(): number;
}

/** The engine's services, as handlers see them: interfaces, never libraries. */
export interface Services {
  accounts: AccountBook;
  ami: AmiLink;
  rooms: RoomService;
  cdr: CdrReader;
  wakeups: WakeupControl;
  voicemail: VoicemailControl;
  /** The FIAS link; absent when fias.enabled is false. */
  fias?: FiasControl;
  /** The FIAS call charges kept in the store (with the room core's link). */
  postings?: PostingQuery;
}

/** The newest FIAS call charges, newest first (src/store/fias-postings.ts). */
export interface PostingQuery {
  recent(limit: number): Promise<StoredPosting[]>;
}

/** Wake-up calls as AlarmClock sees them (src/wakeup/service.ts). */
export interface WakeupControl {
  set(
    extension: string,
    strategies: readonly Strategy[],
    signal?: AbortSignal,
  ): Promise<{ planned: number; cancelled: number }>;
}

export interface HandlerContext {
  session: SessionControl;
  services: Services;
  log: Logger;
  /** Aborted when the request's deadline passes: pass it to every service that changes state. */
  signal: AbortSignal;
}

/** Fields of a success reply after the header; a stream of them for multi-message answers. */
export type HandlerResult = FieldList | AsyncIterable<FieldList>;

export interface Handler<Req = unknown> {
  action: string;
  callMethod: string;
  /** Login and heartbeat are the only commands a session may send before logging in. */
  requiresLogin: boolean;
  /** Request fields echoed in an error reply, as the seed's error replies show them. */
  errorEcho: readonly string[];
  /** Validates the frame into a typed request; throws ProtocolError with a specific message. */
  parse(frame: Frame): Req;
  /**
   * The rooms the request changes, for a command that changes nothing else: frames of one session
   * on other rooms then run beside it (their replies still go out in order). Without it the frame
   * runs alone (login, logout, exports, every other command).
   */
  rooms?(req: Req): readonly string[];
  handle(req: Req, ctx: HandlerContext): Promise<HandlerResult>;
}

/** Lets handlers with different request types sit in one registry. */
export function defineHandler<Req>(h: Handler<Req>): Handler<unknown> {
  return h as unknown as Handler<unknown>;
}
