// What the codec hands out: a frame (ordered keys to values) or an error value.

/** One parsed frame: keys in the order received, values trimmed. Keys are case-sensitive. */
export type Frame = ReadonlyMap<string, string>;

export type FrameErrorCode =
  'too-large' | 'flood' | 'no-colon' | 'empty-key' | 'duplicate-key' | 'control-char' | 'bad-utf8';

/**
 * A frame that could not be read. `fields` holds what was readable before or around the problem, so
 * the reply can still echo `SeqID`, `Action` and `CallMethod`. `fatal` (a flood) means the connection
 * must be closed after the reply.
 */
export class FrameError {
  readonly fatal: boolean;
  constructor(
    readonly code: FrameErrorCode,
    readonly message: string,
    readonly fields: Frame = new Map(),
  ) {
    this.fatal = code === 'flood';
  }

  withFields(fields: Frame): FrameError {
    return new FrameError(this.code, this.message, new Map(fields));
  }
}

export type ParseResult = { ok: true; frame: Frame } | { ok: false; error: FrameError };
