// Public surface of the FIAS codec: I/O-free, like src/protocol/. It knows nothing of sockets, the link
// state machine or Asterisk; it turns bytes into FiasRecord values and back.
export { FiasParser, parseRecordBody, type FiasParserOptions, type FiasParseResult } from './parser.js';
export { encodeRecord, serializeRecord, type FiasEncodeResult } from './serializer.js';
export {
  FiasEncodeError,
  FiasFrameError,
  type FiasEncodeErrorCode,
  type FiasFrameErrorCode,
} from './errors.js';
export { decodeText, encodeText, FIAS_ENCODINGS, type FiasEncoding } from './encoding.js';
export { OLD_ROOM_SHARE } from './fields.js';
