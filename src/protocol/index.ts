// Public surface of the PMS wire codec. It knows nothing of sockets, databases or Asterisk.
export { FrameParser, type ParserOptions } from './parser.js';
export { serialize, type FieldList } from './serializer.js';
export { FrameError, type Frame, type FrameErrorCode, type ParseResult } from './frame.js';
