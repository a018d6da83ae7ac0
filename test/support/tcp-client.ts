/** A TCP round trip for e2e tests: connect, send, read until the payload has come back. */
import net from 'node:net';

/**
 * Connects to 127.0.0.1:`port`, sends `payload`, and resolves with everything read once what was read
 * ends with the payload (an echo, after any greeting); fails after `timeoutMs` with what came.
 */
export function tcpRoundTrip(port: number, payload: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let got = '';
    const timer = setTimeout(
      () => socket.destroy(new Error(`timeout, got ${JSON.stringify(got)}`)),
      timeoutMs,
    );
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (c: Buffer) => {
      got += c.toString();
      if (!got.endsWith(payload)) return;
      clearTimeout(timer);
      socket.end();
      resolve(got);
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
