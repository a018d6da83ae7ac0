/**
 * A test backend for streams and upgrades, on node:http only (no WebSocket package): a WebSocket echo
 * (RFC 6455 handshake and single-frame text messages), a server-sent-event stream, and an upload sink
 * that answers with the number of body bytes it read. Plus the client side of a WebSocket round trip.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC11B65';

export interface StreamBackend {
  readonly port: number;
  close(): Promise<void>;
}

function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
}

/** One text frame (FIN, opcode 1), masked when a client sends it; payloads under 126 bytes only. */
export function textFrame(text: string, masked: boolean): Buffer {
  const payload = Buffer.from(text, 'utf8');
  if (payload.length >= 126) throw new Error('test frames are shorter than 126 bytes');
  if (!masked) return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, body]);
}

/** The text of one complete short frame at the start of `buf`, or undefined while it is incomplete. */
export function readTextFrame(buf: Buffer): string | undefined {
  if (buf.length < 2) return undefined;
  const masked = (buf[1]! & 0x80) !== 0;
  const len = buf[1]! & 0x7f;
  const start = 2 + (masked ? 4 : 0);
  if (buf.length < start + len) return undefined;
  const payload = buf.subarray(start, start + len);
  const mask = masked ? buf.subarray(2, 6) : undefined;
  return Buffer.from(payload.map((b, i) => (mask ? b ^ mask[i % 4]! : b))).toString('utf8');
}

function echoWebSocket(req: http.IncomingMessage, socket: Socket): void {
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string') {
    socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
  );
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    const text = readTextFrame(buf);
    if (text === undefined) return;
    buf = Buffer.alloc(0);
    socket.write(textFrame(`echo:${text}`, false));
  });
  socket.on('error', () => socket.destroy());
}

function serveEvents(res: http.ServerResponse, count: number, intervalMs: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  let sent = 0;
  const send = (): void => {
    sent += 1;
    res.write(`data: ${sent}\n\n`);
    if (sent >= count) {
      clearInterval(timer);
      res.end();
    }
  };
  const timer = setInterval(send, intervalMs);
  res.on('close', () => clearInterval(timer));
}

/** `GET /events?count=N&interval=MS` streams N events; any other request reports its body's size. */
export async function startStreamBackend(): Promise<StreamBackend> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://backend');
    if (url.pathname.endsWith('/events')) {
      serveEvents(
        res,
        Number(url.searchParams.get('count') ?? 15),
        Number(url.searchParams.get('interval') ?? 2000),
      );
      return;
    }
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ bytes }));
    });
  });
  const upgraded = new Set<Socket>();
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    echoWebSocket(req, socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export type WebSocketResult =
  { readonly upgraded: true; readonly reply: string } | { readonly upgraded: false; readonly status: number };

/** Opens a WebSocket through `port` (Host `host`), sends `message`, and returns the echoed reply. */
export function webSocketRoundTrip(
  port: number,
  host: string,
  path: string,
  message: string,
): Promise<WebSocketResult> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const req = http.request({
      host: '127.0.0.1',
      port,
      path,
      headers: {
        host,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': key,
      },
    });
    req.setTimeout(10_000, () => req.destroy(new Error('WebSocket round trip timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      resolve({ upgraded: false, status: res.statusCode ?? 0 });
    });
    req.on('upgrade', (res, socket: Socket, head: Buffer) => {
      if (res.headers['sec-websocket-accept'] !== acceptKey(key)) {
        socket.destroy();
        reject(new Error('bad Sec-WebSocket-Accept'));
        return;
      }
      let buf = head;
      socket.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        const text = readTextFrame(buf);
        if (text === undefined) return;
        socket.destroy();
        resolve({ upgraded: true, reply: text });
      });
      socket.write(textFrame(message, true));
    });
    req.end();
  });
}

export interface EventStreamResult {
  readonly status: number;
  readonly events: number;
  /** Whether the response ended normally (false: the connection or stream was cut). */
  readonly complete: boolean;
  readonly ms: number;
}

/** Reads a server-sent-event stream through the gateway to its end (or until it is cut). */
export function readEventStream(port: number, host: string, path: string): Promise<EventStreamResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host, accept: 'text/event-stream' } });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      let done = false;
      const finish = (complete: boolean): void => {
        if (done) return;
        done = true;
        const events = text.split('\n').filter((l) => l.startsWith('data: ')).length;
        resolve({ status: res.statusCode ?? 0, events, complete, ms: performance.now() - t0 });
      };
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => finish(res.complete));
      res.on('aborted', () => finish(false));
      res.on('error', () => finish(false));
      res.on('close', () => finish(res.complete));
    });
  });
}

/** POSTs `bytes` bytes through the gateway (chunked, without Content-Length, when `chunked`). */
export function postBody(
  port: number,
  host: string,
  bytes: number,
  chunked = false,
): Promise<{ readonly status: number; readonly body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host, 'content-type': 'application/octet-stream' };
    if (!chunked) headers['content-length'] = String(bytes);
    const req = http.request({ host: '127.0.0.1', port, path: '/upload', method: 'POST', headers });
    req.setTimeout(20_000, () => req.destroy(new Error('POST timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    // The gateway may answer 413 and close before the whole body is written.
    req.on('socket', (socket) => socket.on('error', () => undefined));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let left = bytes; left > 0; left -= chunk.length)
      req.write(left >= chunk.length ? chunk : chunk.subarray(0, left));
    req.end();
  });
}
