/**
 * Backends that report the protocol the gateway spoke to them, for the backend protocol tests: an
 * HTTPS server (HTTP/1.1 and HTTP/2 by ALPN, on node:http2 with allowHTTP1) and an h2c server
 * (cleartext HTTP/2 with prior knowledge, as Envoy speaks it to an HTTP/2 cluster). Each answers a
 * JSON `ProtocolSeen`: the HTTP version, and over TLS the SNI and ALPN the gateway sent.
 */
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface ProtocolSeen {
  /** `1.1` or `2.0`. */
  readonly httpVersion: string;
  readonly path: string;
  /** TLS only: the server name the client sent (false: none). */
  readonly servername?: string | false;
  /** TLS only: the ALPN protocol agreed (false: none). */
  readonly alpn?: string | false;
}

export interface ProtocolBackend {
  readonly port: number;
  /** What every request so far saw, in arrival order. */
  readonly seen: readonly ProtocolSeen[];
  /** Closes every open connection (the gateway must connect, and so verify, again). */
  dropConnections(): void;
  close(): Promise<void>;
}

type Server = http2.Http2Server | http2.Http2SecureServer;

async function serve(server: Server, tls: boolean): Promise<ProtocolBackend> {
  const seen: ProtocolSeen[] = [];
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    const socket = req.socket as TLSSocket;
    const one: ProtocolSeen = {
      httpVersion: req.httpVersion,
      path: req.url,
      ...(tls ? { servername: socket.servername ?? false, alpn: socket.alpnProtocol ?? false } : {}),
    };
    seen.push(one);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(one));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    get seen() {
      return seen;
    },
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An HTTPS backend with this certificate: HTTP/2 when the client offers ALPN h2, else HTTP/1.1. */
export function startHttpsBackend(pair: {
  readonly cert: string;
  readonly key: string;
}): Promise<ProtocolBackend> {
  return serve(http2.createSecureServer({ cert: pair.cert, key: pair.key, allowHTTP1: true }), true);
}

/** A cleartext HTTP/2 (h2c, prior knowledge) backend. */
export function startH2cBackend(): Promise<ProtocolBackend> {
  return serve(http2.createServer(), false);
}
