// Correlation of AMI answers with the actions in flight, by our own ActionIDs. Knows nothing of
// sockets: AmiClient feeds it every parsed message and decides what happens on a drop.
//
// Wire shapes handled (keys lower-cased by the reader, codec.ts):
//   plain action:  Response: Success|Error|Goodbye + ActionID
//   list action:   Response: Success + EventList: start + ActionID, then events carrying the ActionID,
//                  ended by an event with EventList: Complete (e.g. DBGetComplete)
//   Command:       an old Asterisk's `Response: Follows` block, which the reader folds into
//                  {response:'follows', actionid, content}
import { AmiActionError, PbxUnavailableError } from '../../errors.js';
import type { AmiEvent, AmiMessage, AmiResult } from '../types.js';

interface Pending {
  action: string;
  resolve: (result: AmiResult) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  /** Set once the `EventList: start` response came; the result is then held until `Complete`. */
  listHead?: AmiMessage;
  events: AmiEvent[];
}

export class PendingActions {
  readonly #entries = new Map<string, Pending>();

  /** `onTimeout` lets the owner clean up after an action that was never answered. */
  constructor(private readonly onTimeout: (actionId: string) => void = () => {}) {}

  get size(): number {
    return this.#entries.size;
  }

  /** Registers an action about to be written; the promise settles on its answer, timeout or drop. */
  add(actionId: string, action: string, timeoutMs: number): Promise<AmiResult> {
    return new Promise<AmiResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#entries.delete(actionId);
        this.onTimeout(actionId);
        reject(
          new PbxUnavailableError('ami', 'timeout', `AMI ${action} not answered in ${timeoutMs} ms`, {
            action,
            actionId,
            timeoutMs,
          }),
        );
      }, timeoutMs);
      this.#entries.set(actionId, { action, resolve, reject, timer, events: [] });
    });
  }

  /** Forgets an action that could not be written after all (its promise is rejected with `error`). */
  cancel(actionId: string, error: Error): void {
    const entry = this.#entries.get(actionId);
    if (!entry) return;
    this.#settle(actionId, entry);
    entry.reject(error);
  }

  /**
   * Offers one parsed message. Returns true when it belonged to an action in flight (it is then
   * consumed), false when it is unsolicited and should be emitted as an event.
   */
  handle(message: AmiMessage): boolean {
    const actionId = text(message, 'actionid');
    if (actionId === undefined) return false;
    const entry = this.#entries.get(actionId);
    if (!entry) return false;

    const response = text(message, 'response');
    if (response !== undefined && !entry.listHead) {
      if (response.toLowerCase() === 'error') {
        this.#settle(actionId, entry);
        entry.reject(new AmiActionError(entry.action, text(message, 'message') ?? '', message));
      } else if (text(message, 'eventlist')?.toLowerCase() === 'start') {
        entry.listHead = message;
      } else {
        this.#settle(actionId, entry);
        entry.resolve(result(response, message, []));
      }
      return true;
    }

    const event = text(message, 'event');
    if (event === undefined || !entry.listHead) return false;
    if (isListEnd(message, event)) {
      this.#settle(actionId, entry);
      entry.resolve(result(text(entry.listHead, 'response') ?? 'Success', entry.listHead, entry.events));
    } else {
      entry.events.push({ event, fields: message });
    }
    return true;
  }

  /** Rejects every action in flight (link lost or stopped); none is kept for replay. */
  rejectAll(makeError: (action: string, actionId: string) => Error): void {
    for (const [actionId, entry] of [...this.#entries]) {
      this.#settle(actionId, entry);
      entry.reject(makeError(entry.action, actionId));
    }
  }

  #settle(actionId: string, entry: Pending): void {
    clearTimeout(entry.timer);
    this.#entries.delete(actionId);
  }
}

function result(response: string, head: AmiMessage, events: AmiEvent[]): AmiResult {
  return { response, message: text(head, 'message'), fields: head, events };
}

// Asterisk marks the end of a list with `EventList: Complete`; a few old list actions only name the
// closing event `…Complete`.
function isListEnd(message: AmiMessage, event: string): boolean {
  return text(message, 'eventlist')?.toLowerCase() === 'complete' || /Complete$/.test(event);
}

/** The value of a header as one string: the first one when Asterisk repeated the header. */
export function text(message: AmiMessage, key: string): string | undefined {
  const value = message[key];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}
