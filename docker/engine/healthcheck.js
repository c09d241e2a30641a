/* global process, setTimeout */
// Container health: the engine answers a heartbeat (UserLogin/HeartBeat needs no login, seed 000 §5.3)
// on its PMS port. Exit 0 healthy, 1 not.
import { connect } from 'node:net';

const port = Number(process.env.PMS_LISTEN_PORT || 5078);
const socket = connect({ host: '127.0.0.1', port });
const fail = () => process.exit(1);
setTimeout(fail, 4000).unref();
socket.on('error', fail);
socket.on('connect', () =>
  socket.write('ServiceType: PMS\r\nAction: UserLogin\r\nSeqID: health\r\nCallMethod: HeartBeat\r\n\r\n'),
);
let reply = '';
socket.on('data', (chunk) => {
  reply += chunk.toString();
  if (!reply.includes('\r\n\r\n')) return;
  socket.destroy();
  process.exit(/\r\nResponse: Success\r\n/.test(reply) ? 0 : 1);
});
