/**
 * Echo backends for the demo and the tests: an HTTP server that tells who answered and what it saw, and
 * a TCP server that names itself once and then echoes bytes back.
 */
import http from 'node:http';
import net from 'node:net';

/** What the HTTP echo backend answers, as JSON. */
export interface EchoResponse {
  readonly backend: string;
  readonly method: string;
  /** The request target as received (path and query). */
  readonly path: string;
  /** The Host header ('' if none). */
  readonly host: string;
  /** Request headers, lowercase names, sorted. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
}

export interface EchoBackendOptions {
  readonly name: string;
  /** Bind address; default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (the kernel picks a free port). */
  readonly port?: number;
}

export interface EchoBackend {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** `http://host:port` (IPv6 in brackets). */
  readonly url: string;
  /** Requests (HTTP) or connections (TCP) served so far. */
  served(): number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

function sortedHeaders(req: http.IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of Object.keys(req.headers).sort()) {
    const value = req.headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** `/status/404` answers 404 (200-599); any other path answers 200. */
function statusFor(url: string): number {
  const m = /^\/status\/(\d{3})(?:[/?#]|$)/.exec(url);
  const code = m ? Number(m[1]) : 200;
  return code >= 200 && code <= 599 ? code : 200;
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

function urlOf(scheme: string, host: string, port: number): string {
  return `${scheme}://${net.isIPv6(host) ? `[${host}]` : host}:${String(port)}`;
}

/** An HTTP server answering every request with JSON `{ backend, method, path, host, headers }`. */
export async function startEchoBackend(opts: EchoBackendOptions): Promise<EchoBackend> {
  const host = opts.host ?? '127.0.0.1';
  let served = 0;
  const server = http.createServer((req, res) => {
    served++;
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '/';
      const status = statusFor(url);
      const body: EchoResponse = {
        backend: opts.name,
        method: req.method ?? '',
        path: url,
        host: req.headers.host ?? '',
        headers: sortedHeaders(req),
      };
      const noBody = status === 204 || status === 304 || req.method === 'HEAD';
      const text = `${JSON.stringify(body)}\n`;
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-echo-backend': opts.name,
        ...(noBody ? {} : { 'content-length': String(Buffer.byteLength(text)) }),
      });
      res.end(noBody ? undefined : text);
    });
  });
  server.keepAliveTimeout = 5000;
  const port = await listen(server, host, opts.port ?? 0);
  return {
    name: opts.name,
    host,
    port,
    url: urlOf('http', host, port),
    served: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A TCP server that writes `name\n` once per connection, then echoes every byte it receives. */
export async function startTcpEchoBackend(opts: EchoBackendOptions): Promise<EchoBackend> {
  const host = opts.host ?? '127.0.0.1';
  let served = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    served++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.write(`${opts.name}\n`);
    socket.pipe(socket);
  });
  const port = await listen(server, host, opts.port ?? 0);
  return {
    name: opts.name,
    host,
    port,
    url: urlOf('tcp', host, port),
    served: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
