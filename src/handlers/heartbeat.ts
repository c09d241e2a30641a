// seed 000 §5.3 — Action: UserLogin, CallMethod: HeartBeat. Answered at once, logged in or not, and
// whatever the state of the PBX: it tells the PMS that the engine itself is alive.
import { defineHandler } from './types.js';

export default defineHandler({
  action: 'UserLogin',
  callMethod: 'HeartBeat',
  requiresLogin: false,
  errorEcho: [],
  parse: () => ({}),
  handle: async () => [],
});
