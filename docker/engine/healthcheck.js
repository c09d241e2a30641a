/* global process, setTimeout, fetch, AbortSignal */
// Container health. With the operator console on (PMS_HTTP_ENABLED=true), its /healthz (liveness,
// no login); otherwise the engine answers a heartbeat (UserLogin/HeartBeat needs no login, seed 000
// §5.3) on its PMS port. Exit 0 healthy, 1 not; 4 s at most.
import { connect } from 'node:net';

const fail = () => process.exit(1);
setTimeout(fail, 4000).unref();

if (process.env.PMS_HTTP_ENABLED === 'true') {
  const port = Number(process.env.PMS_HTTP_PORT || 8090);
  fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3500) })
    .then((r) => process.exit(r.ok ? 0 : 1))
    .catch(fail);
} else {
  const port = Number(process.env.PMS_LISTEN_PORT || 5078);
  const socket = connect({ host: '127.0.0.1', port });
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
}
