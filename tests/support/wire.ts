// Records what one client sends (HTTP and WebSocket) while passing it through to the real server:
// the tests use it to prove that on-device decisions never leave the device.
import WebSocket from 'ws';

/** Everything one client sends: HTTP requests (method, path, body) and WebSocket frames. */
export class Wire {
  readonly requests: Array<{ method: string; path: string; body: string }> = [];
  readonly frames: string[] = [];
  readonly sockets: string[] = [];
  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const body = init?.body;
    this.requests.push({
      method: init?.method ?? 'GET',
      path: url.pathname + url.search,
      body:
        typeof body === 'string'
          ? body
          : body instanceof Uint8Array
            ? Buffer.from(body).toString('latin1')
            : '',
    });
    return globalThis.fetch(input, init);
  };
  readonly WebSocket = (() => {
    const wire = this;
    return class RecordingWebSocket extends WebSocket {
      constructor(url: string | URL, ...rest: unknown[]) {
        super(url, ...(rest as []));
        wire.sockets.push(String(url));
      }
      override send(data: unknown, ...rest: unknown[]): void {
        wire.frames.push(String(data));
        (super.send as (...a: unknown[]) => void)(data, ...rest);
      }
    };
  })();
  all(): string[] {
    return [...this.requests.map((r) => `${r.method} ${r.path} ${r.body}`), ...this.frames, ...this.sockets];
  }
}
