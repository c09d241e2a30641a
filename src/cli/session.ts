// One CLI connection to the engine: connect, log in, send requests, print replies as the wire shows
// them (Key: Value lines, a blank line after each frame).
import type { Readable, Writable } from 'node:stream';
import { PmsClient } from '../client/pms-client.js';
import type { FieldList, Frame } from '../protocol/index.js';

export interface CliIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
}

/** 0 success, 1 a reply said Response: Error, 2 a usage mistake, 3 the engine unreachable/silent/gone. */
export const EXIT = { ok: 0, error: 1, usage: 2, link: 3 } as const;

export interface ConnectOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  timeoutMs: number;
}

/** The engine could not be reached, did not answer in time, or closed the connection: exit code 3. */
export class LinkError extends Error {
  override readonly name = 'LinkError';
}

/** A reply said `Response: Error`: exit code 1. */
export function isError(frame: Frame): boolean {
  return frame.get('Response') === 'Error';
}

export function formatFrame(frame: Frame): string {
  return `${[...frame].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n`;
}

/** Connects and logs in; a refused login comes back as its reply frame (the caller prints it). */
export async function openSession(o: ConnectOptions): Promise<{ client: PmsClient; login: Frame }> {
  let client: PmsClient;
  try {
    client = await PmsClient.connect(o.port, o.host, o.timeoutMs);
  } catch (err) {
    throw new LinkError(`cannot connect to the engine at ${o.host}:${o.port}: ${(err as Error).message}`);
  }
  const login = await send(
    client,
    [
      ['Action', 'UserLogin'],
      ['CallMethod', 'Account'],
      ['User', o.user],
      ['Password', o.password],
    ],
    o.timeoutMs,
  );
  return { client, login: login[0]! };
}

/** Sends one request; resolves with every reply frame (several for a long GetCDR answer). */
export async function send(client: PmsClient, fields: FieldList, timeoutMs: number): Promise<Frame[]> {
  if (client.socket.destroyed) throw new LinkError('the engine closed the connection');
  let onClose = (): void => undefined;
  const closed = new Promise<never>((_, reject) => {
    onClose = () => reject(new LinkError('the engine closed the connection'));
    client.once('close', onClose);
  });
  closed.catch(() => undefined);
  try {
    return await Promise.race([client.request(fields, timeoutMs), closed]);
  } catch (err) {
    if (err instanceof LinkError) throw err;
    throw new LinkError((err as Error).message);
  } finally {
    client.off('close', onClose);
  }
}
