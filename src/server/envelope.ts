// The header every request and reply shares (seed 000 §4): ServiceType, Action, SeqID, CallMethod.
import type { Frame, FieldList } from '../protocol/index.js';

export interface Envelope {
  serviceType: string;
  action: string;
  /** The client's correlation id, any string; echoed unchanged on every reply. */
  seqId: string | undefined;
  callMethod: string;
}

/** Reads the header of a request frame; missing parts are empty strings, checked by the dispatcher. */
export function readEnvelope(frame: Frame): Envelope {
  return {
    serviceType: frame.get('ServiceType') ?? 'PMS',
    action: frame.get('Action') ?? '',
    seqId: frame.get('SeqID'),
    callMethod: frame.get('CallMethod') ?? '',
  };
}

/** Header of a reply, in the seed's order: ServiceType, Action, SeqID, Response, CallMethod. */
export function replyHeader(env: Partial<Envelope>, response: 'Success' | 'Error'): Array<[string, string]> {
  const out: Array<[string, string]> = [['ServiceType', env.serviceType || 'PMS']];
  if (env.action) out.push(['Action', env.action]);
  if (env.seqId !== undefined) out.push(['SeqID', env.seqId]);
  out.push(['Response', response]);
  if (env.callMethod) out.push(['CallMethod', env.callMethod]);
  return out;
}

export function successReply(env: Envelope, fields: FieldList): FieldList {
  return [...replyHeader(env, 'Success'), ...fields];
}

/** An error reply: header, the echoed fields the command lists, then `Message` last. */
export function errorReply(env: Partial<Envelope>, message: string, echo: FieldList = []): FieldList {
  return [...replyHeader(env, 'Error'), ...echo, ['Message', oneLine(message)]];
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}
