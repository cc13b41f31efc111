import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

const corked = new WeakSet<Socket>();

/**
 * Sends a WebSocket frame, coalescing every frame sent to the same connection in this tick into
 * one write: a group commit answers and pushes hundreds of messages at once, and one syscall per
 * frame would cost more than the frames. The TCP socket is corked on the first send and uncorked
 * on the next tick.
 */
export function sendBatched(socket: WebSocket, data: string): void {
  const raw = (socket as WebSocket & { _socket?: Socket })._socket;
  if (raw && !corked.has(raw) && !raw.destroyed) {
    raw.cork();
    corked.add(raw);
    process.nextTick(() => {
      corked.delete(raw);
      raw.uncork();
    });
  }
  socket.send(data);
}
