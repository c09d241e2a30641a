// The few typed errors of the engine. Protocol errors become a `Response: Error` sent to the PMS;
// transport errors describe a link (AMI, ARI, database) that failed. Each carries a fixed message and
// context fields so logs and replies stay specific.

/** A request the engine refuses: its `message` is sent verbatim as the reply's `Message`. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    message: string,
    readonly context: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Which external link failed. */
export type LinkName = 'ami' | 'ari' | 'db';

/**
 * The PBX cannot be reached: the link is down, was lost while the request was in flight, or did not
 * answer in time. Handlers let it propagate; the dispatcher turns it into "PBX unreachable".
 */
export class PbxUnavailableError extends Error {
  override readonly name = 'PbxUnavailableError';
  constructor(
    readonly link: LinkName,
    readonly reason: 'down' | 'lost' | 'timeout',
    message: string,
    readonly context: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Asterisk answered an AMI action with `Response: Error`. */
export class AmiActionError extends Error {
  override readonly name = 'AmiActionError';
  constructor(
    readonly action: string,
    readonly amiMessage: string,
    readonly response: Record<string, unknown>,
  ) {
    super(`AMI ${action} failed: ${amiMessage}`);
  }
}

/** A value that may not be sent to Asterisk (CR/LF injection, bad key). Stops injection at the edge. */
export class UnsafeValueError extends Error {
  override readonly name = 'UnsafeValueError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The engine's database could not be reached or a query failed for a transport reason. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(
    message: string,
    override readonly cause?: unknown,
    /** Lost while a COMMIT was in flight: the change may or may not have been kept. */
    readonly duringCommit = false,
  ) {
    super(message);
  }
}

/** Configuration that cannot be used; the message tells a technician what to fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * A request whose deadline passed before it was applied: the engine gives up before committing,
 * so the "may not have been applied" reply the PMS already got is true as late as possible.
 */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('Request timed out in the engine: it was not applied');
  }
}
