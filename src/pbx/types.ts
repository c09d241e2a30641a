// The engine's view of the PBX links. Handlers and services depend on these interfaces, never on
// the AMI socket or the ARI client directly.
import type { EventEmitter } from 'node:events';

import type { LinkState } from '../links/link.js';

export type { LinkState } from '../links/link.js';

/** Values of an AMI action. `undefined` fields are left out. Values may not contain CR or LF. */
export type AmiFields = Record<string, string | number | boolean | undefined>;

/** One AMI message as parsed (src/pbx/ami/codec.ts): keys lower-cased; repeated keys become arrays. */
export type AmiMessage = Record<string, string | string[] | Record<string, string>>;

export interface AmiEvent {
  /** Event name as Asterisk spells it, e.g. `MessageWaiting`. */
  event: string;
  fields: AmiMessage;
}

export interface AmiResult {
  /** `Success` (or `Goodbye`, `Follows`); an `Error` response rejects with AmiActionError instead. */
  response: string;
  message: string | undefined;
  fields: AmiMessage;
  /** For list actions (`EventList: start`): the events up to, not including, the `…Complete` event. */
  events: AmiEvent[];
}

export interface AmiLinkEvents {
  state: [state: LinkState, previous: LinkState];
  /** Logged in (again) and Asterisk fully booted: re-sync state into the PBX now. */
  ready: [];
  /** Every unsolicited AMI event. */
  event: [event: AmiEvent];
}

export interface AmiLink extends EventEmitter<AmiLinkEvents> {
  readonly state: LinkState;
  start(): void;
  /** Closes the link for good (state `end`); actions in flight are rejected. */
  stop(): Promise<void>;
  /**
   * Sends one action and resolves with its (collected) result. Rejects at once with
   * PbxUnavailableError('ami','down') unless the link is ready; with PbxUnavailableError('ami','lost')
   * if the link drops before the answer; with PbxUnavailableError('ami','timeout') after the timeout;
   * with AmiActionError on `Response: Error`; with UnsafeValueError for a field with CR/LF.
   */
  action(name: string, fields?: AmiFields, options?: { timeoutMs?: number }): Promise<AmiResult>;
}
