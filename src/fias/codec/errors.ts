// The codec's two typed errors. Reading: bad bytes from the PMS come back as a FiasFrameError *value*
// (the link logs it and reads on). Writing: a record we cannot put on the wire is a FiasEncodeError,
// returned by encodeRecord and thrown by serializeRecord, since our builders validate first and
// anything reaching the writer unwritable is a programming error.

export type FiasFrameErrorCode =
  | 'noise' // bytes outside STX…ETX
  | 'unterminated' // an STX arrived before the ETX of the record being read
  | 'too-large' // more than maxRecordBytes between STX and ETX
  | 'bad-record-id' // not two characters A-Z, 0-9 or $
  | 'no-separator' // the record ID is not followed by `|`
  | 'bad-field' // an empty field or a field of one character (no room for a field ID)
  | 'bad-field-id' // a field ID that is not two printable ASCII characters
  | 'duplicate-field' // the same field ID twice (the one exception, GS after RO, is not an error)
  | 'control-char' // 0x00-0x1F or 0x7F inside the record
  | 'bad-utf8'; // invalid UTF-8 in a field, with fias.encoding = utf8

export class FiasFrameError {
  constructor(
    readonly code: FiasFrameErrorCode,
    readonly message: string,
    /** The record ID, when the record got that far. */
    readonly recordId?: string,
    /** The field the problem is in, when there is one. */
    readonly field?: string,
  ) {}
}

export type FiasEncodeErrorCode =
  | 'bad-record-id'
  | 'bad-field-id'
  | 'control-char'
  | 'separator-in-data'
  | 'unrepresentable'
  | 'share-flag-order';

/** A record that cannot be written: refused, never patched (no '?' for a character, no stripping). */
export class FiasEncodeError extends Error {
  override readonly name = 'FiasEncodeError';
  constructor(
    readonly code: FiasEncodeErrorCode,
    message: string,
    readonly recordId: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
