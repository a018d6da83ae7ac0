/**
 * An HTTP echo backend for policy tests: it records every request it receives (method, path, headers,
 * body size) and answers with a JSON description of it, so a test can see what the gateway sent
 * upstream (a rewritten path, added or removed headers, a retry, a mirrored copy). `respond` lets a test
 * choose the answer per request (a failing first try, a large compressible body, a set-cookie).
 *
 * Several backends can share one port on different loopback addresses (127.0.0.1, 127.0.0.2, ...),
 * which keeps one EndpointSlice (one port) per Service.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** The request target as received (path and query). */
  readonly path: string;
  /** Lowercase names; repeated headers joined by `, ` as node does. */
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyBytes: number;
}

export interface EchoAnswer {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Default: the JSON echo of the request. */
  readonly body?: string | Buffer;
}

export interface EchoBackendOptions {
  /** Reported as `backend` in every answer and as the `x-echo-backend` response header. */
  readonly name: string;
  /** Default 127.0.0.1. */
  readonly address?: string;
  /** Default: any free port. */
  readonly port?: number;
  /** The answer to the n-th request (0-based); default 200 with the echo. */
  readonly respond?: (req: RecordedRequest, n: number) => EchoAnswer;
}

export interface EchoBackend {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** Every request so far, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Forgets the recorded requests (the request counter used by `respond` restarts too). */
  reset(): void;
  close(): Promise<void>;
}

/** The JSON body an echo backend answers by default. */
export interface EchoBody extends RecordedRequest {
  readonly backend: string;
}

function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export async function startEchoBackend(o: EchoBackendOptions): Promise<EchoBackend> {
  let requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (c: Buffer) => (bodyBytes += c.length));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: flatHeaders(req.headers),
        bodyBytes,
      };
      const n = requests.length;
      requests.push(recorded);
      const answer = o.respond?.(recorded, n) ?? {};
      const body = answer.body ?? JSON.stringify({ backend: o.name, ...recorded } satisfies EchoBody);
      res.writeHead(answer.status ?? 200, {
        'content-type': 'application/json',
        'x-echo-backend': o.name,
        ...answer.headers,
      });
      res.end(body);
    });
  });
  const address = o.address ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, address, () => resolve());
  });
  return {
    name: o.name,
    address,
    port: (server.address() as AddressInfo).port,
    get requests() {
      return requests;
    },
    reset: () => {
      requests = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
