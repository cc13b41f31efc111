/**
 * The peer for bench/delivery: a bare WebSocket relay — no authentication, no storage, no
 * cryptography. It speaks the same frames as the Safelight server's WebSocket send path
 * (`{type:"send", to, messageId, message}` in, `to` one id or a list for fan-out, `{type:"sent"}` to the sender and
 * `{type:"items"}` to the recipient), so the two are measured with one load generator and the
 * difference is what auth, franking, ordering and durable storage cost.
 * Run as a child process: prints `listening PORT` on stdout.
 */
import { type WebSocket, WebSocketServer } from 'ws';

const sockets = new Map<string, WebSocket>();
let seq = 0;
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * 1024 });
server.on('connection', (socket, request) => {
  const id = new URL(request.url ?? '/', 'http://relay').searchParams.get('id') ?? '';
  sockets.set(id, socket);
  socket.on('close', () => sockets.delete(id));
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as {
      type: string;
      to?: string | string[];
      messageId?: string;
      message?: string;
    };
    if (frame.type !== 'send' || frame.to === undefined) return;
    seq++;
    const receivedAt = Date.now();
    const items = JSON.stringify({
      type: 'items',
      items: [{ seq, kind: 'application', messageId: frame.messageId, payload: frame.message, receivedAt }],
    });
    // `to` is one recipient id, or a list for fan-out: the frame is serialised once either way.
    for (const to of Array.isArray(frame.to) ? frame.to : [frame.to]) sockets.get(to)?.send(items);
    socket.send(JSON.stringify({ type: 'sent', messageId: frame.messageId, seq, receivedAt }));
  });
});
server.on('listening', () => {
  const address = server.address();
  if (typeof address === 'object' && address) process.stdout.write(`listening ${address.port}\n`);
});
