/**
 * A minimal HTTP backend that answers every request after a fixed delay and counts what it served, for
 * load-balancing tests that need one slow endpoint among fast ones (test/support/echo-backend.ts
 * answers at once). Several can share one port on different loopback addresses (127.0.0.1, .2, .3).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DelayedBackend {
  readonly name: string;
  readonly port: number;
  /** Requests answered since the start or the last reset. */
  readonly served: number;
  reset(): void;
  close(): Promise<void>;
}

export async function startDelayedBackend(o: {
  readonly name: string;
  readonly address: string;
  /** Default: any free port. */
  readonly port?: number;
  readonly delayMs: number;
}): Promise<DelayedBackend> {
  let served = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        served += 1;
        res.writeHead(200, { 'content-type': 'text/plain', 'x-echo-backend': o.name });
        res.end(`${o.name}\n`);
      }, o.delayMs);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.address, () => resolve());
  });
  return {
    name: o.name,
    port: (server.address() as AddressInfo).port,
    get served() {
      return served;
    },
    reset: () => {
      served = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
