// Routes each request frame to its handler (like aedes' lib/handlers): checks the envelope, enforces
// login first, validates through the handler's parser, and turns every failure into a specific
// `Response: Error`. Nothing a handler throws can escape: the session never dies of a request.
import type { Logger } from 'pino';
import {
  AmiActionError,
  CancelledError,
  PbxUnavailableError,
  ProtocolError,
  StoreUnavailableError,
  UnsafeValueError,
} from '../errors.js';
import { clip } from '../log.js';
import type { FieldList, Frame } from '../protocol/index.js';
import type { Handler, HandlerContext, SessionControl, Services } from '../handlers/types.js';
import type { Telemetry } from '../telemetry/bus.js';
import { errorReply, readEnvelope, successReply, type Envelope } from './envelope.js';

/** Every reply that cannot say whether the change was kept ends with this. */
export const AMBIGUOUS = 'it may not have been applied';

/** A request still unanswered after this long gets an error reply instead of hanging the session. */
export const HANDLER_DEADLINE_MS = 30_000;

export type Reply = AsyncIterable<FieldList> | FieldList;

export class Dispatcher {
  private readonly routes = new Map<string, Handler>();

  constructor(
    handlers: readonly Handler[],
    private readonly services: Services,
    private readonly deadlineMs = HANDLER_DEADLINE_MS,
    /** Told of every answered request (its first reply): /metrics counts them. */
    private readonly telemetry?: Telemetry,
  ) {
    for (const h of handlers) this.routes.set(key(h.action, h.callMethod), h);
  }

  /**
   * How a frame may run beside the other frames of its session: the rooms it changes (frames on
   * other rooms run concurrently), or `'alone'` (it waits for every earlier frame to be answered, and
   * later ones wait for it: login, logout, exports, any command that declares no rooms). A frame that
   * will be refused changes nothing: `[]`.
   */
  plan(frame: Frame, session: SessionControl): readonly string[] | 'alone' {
    if (!frame.has('Action')) return [];
    const h = this.route(readEnvelope(frame), frame, session);
    if (isRefusal(h)) return [];
    if (!h.rooms) return 'alone';
    try {
      return h.rooms(h.parse(frame));
    } catch {
      return [];
    }
  }

  /**
   * Answers one frame. Yields the reply frames (one, or several for a multi-message answer); yields
   * nothing for frames that are themselves replies (a client acknowledging a push).
   */
  async *dispatch(frame: Frame, session: SessionControl, log: Logger): AsyncGenerator<FieldList> {
    if (!this.telemetry) return yield* this.answer(frame, session, log);
    const started = performance.now();
    let first = true;
    for await (const reply of this.answer(frame, session, log)) {
      if (first) {
        first = false;
        const response = reply.find(([k]) => k === 'Response')?.[1];
        // Only the routes the engine has: a client's made-up names must not become metric labels.
        const [action, callMethod] = [frame.get('Action') ?? '', frame.get('CallMethod') ?? ''];
        const known = this.routes.has(key(action, callMethod));
        this.telemetry.tell('command', {
          action: known ? action : '(unknown)',
          callMethod: known ? callMethod : '(unknown)',
          result: response === 'Success' ? 'Success' : 'Error',
          ms: performance.now() - started,
        });
      }
      yield reply;
    }
  }

  private async *answer(frame: Frame, session: SessionControl, log: Logger): AsyncGenerator<FieldList> {
    const env = readEnvelope(frame);
    const reqLog = log.child({
      seqId: clip(env.seqId),
      action: clip(env.action),
      callMethod: clip(env.callMethod),
    });
    if (!frame.has('Action') && frame.has('Response')) {
      reqLog.debug('ignoring a reply frame from the client');
      return;
    }
    const h = this.route(env, frame, session);
    if (isRefusal(h)) {
      reqLog.info({ reason: clip(h.message, 200) }, 'request refused');
      yield errorReply(env, h.message, echo(frame, h.echo));
      return;
    }
    // The deadline aborts the request too, so a handler still queued behind a room's lock (or about
    // to commit) gives up instead of applying its change after the PMS was told it timed out.
    const cancel = new AbortController();
    const ctx: HandlerContext = { session, services: this.services, log: reqLog, signal: cancel.signal };
    let result: Reply;
    try {
      const req = h.parse(frame);
      result = await withDeadline(h.handle(req, ctx), this.deadlineMs, cancel);
    } catch (err) {
      yield this.failure(env, err, echo(frame, h.errorEcho), reqLog);
      return;
    }
    if (!isAsyncIterable(result)) {
      yield successReply(env, result);
      return;
    }
    try {
      for await (const part of result) yield successReply(env, part);
    } catch (err) {
      yield this.failure(env, err, echo(frame, h.errorEcho), reqLog);
    }
  }

  private route(env: Envelope, frame: Frame, session: SessionControl): Handler | Refusal {
    if (!frame.has('Action'))
      return refuse(
        `Missing Action: a request must carry Action and CallMethod (an empty line ends a frame; fields after it start a new one)`,
      );
    if (env.serviceType !== 'PMS')
      return refuse(`Unsupported ServiceType: ${env.serviceType} (expected PMS)`);
    if (!env.callMethod) return refuse(`Missing CallMethod for Action ${env.action}`);
    const k = key(env.action, env.callMethod);
    const h = this.routes.get(k);
    if (!h) {
      const knownAction = [...this.routes.values()].some((r) => r.action === env.action);
      return refuse(
        knownAction
          ? `Unknown CallMethod: ${env.callMethod} for Action ${env.action}`
          : `Unknown Action: ${env.action}`,
      );
    }
    if (h.requiresLogin && !session.account)
      return refuse('Login required: send UserLogin/Account first', h.errorEcho);
    return h;
  }

  private failure(env: Envelope, err: unknown, echoed: FieldList, log: Logger): FieldList {
    const message = describe(err);
    if (message === undefined) {
      log.error({ err }, 'handler failed');
      return errorReply(env, 'Internal error: the request was not applied', echoed);
    }
    log.info({ reason: clip(message, 200), errType: (err as Error).name }, 'request failed');
    return errorReply(env, message, echoed);
  }
}

/** The `Message` for an expected failure; undefined for a bug. */
function describe(err: unknown): string | undefined {
  if (err instanceof ProtocolError) return err.message;
  if (err instanceof PbxUnavailableError) return `PBX unreachable: ${err.message}`;
  if (err instanceof AmiActionError) return `PBX refused the request: ${err.amiMessage}`;
  if (err instanceof StoreUnavailableError)
    return err.duringCommit
      ? `Database lost while committing: ${AMBIGUOUS}`
      : `Database unavailable: ${err.message}`;
  if (err instanceof UnsafeValueError) return `Invalid value for ${err.field}`;
  if (err instanceof DeadlineError) return `Request timed out in the engine: ${AMBIGUOUS}`;
  if (err instanceof CancelledError) return err.message;
  return undefined;
}

interface Refusal {
  refused: true;
  message: string;
  echo: readonly string[];
}
const isRefusal = (r: Handler | Refusal): r is Refusal => 'refused' in r;
const refuse = (message: string, echoKeys: readonly string[] = []): Refusal => ({
  refused: true,
  message,
  echo: echoKeys,
});

const key = (action: string, method: string): string => `${action}\u0000${method}`;

function echo(frame: Frame, keys: readonly string[]): FieldList {
  return keys.flatMap((k) => {
    const v = frame.get(k);
    return v === undefined ? [] : [[k, v] as const];
  });
}

function isAsyncIterable(x: Reply): x is AsyncIterable<FieldList> {
  return typeof (x as AsyncIterable<FieldList>)[Symbol.asyncIterator] === 'function';
}

class DeadlineError extends Error {}

function withDeadline<T>(p: Promise<T>, ms: number, cancel: AbortController): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cancel.abort();
      reject(new DeadlineError());
    }, ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
