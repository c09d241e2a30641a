// seed 000 §5.3 — Action: UserLogin, CallMethod: HeartBeat. Answered at once, logged in or not, and
// whatever the state of the PBX: it tells the PMS that the engine itself is alive. The session sends
// it past any command still in flight (src/server/session.ts), so a slow command never starves it.
import type { Frame } from '../protocol/index.js';
import { defineHandler } from './types.js';

export const HEARTBEAT_ACTION = 'UserLogin';
export const HEARTBEAT_METHOD = 'HeartBeat';

export const isHeartbeat = (frame: Frame): boolean =>
  frame.get('Action') === HEARTBEAT_ACTION && frame.get('CallMethod') === HEARTBEAT_METHOD;

export default defineHandler({
  action: HEARTBEAT_ACTION,
  callMethod: HEARTBEAT_METHOD,
  requiresLogin: false,
  errorEcho: [],
  parse: () => ({}),
  handle: async () => [],
});
