/**
 * A raw client for the PROXY protocol (v1 text and v2 binary headers, as an NLB or HAProxy sends them
 * before the client's bytes), for tests of gateways with `proxyProtocol: true`: it sends the header (or
 * none), then one HTTP/1.1 request over plain TCP or TLS, and returns the status line's code, or `closed`
 * when the gateway closed the connection without an answer.
 */
import net from 'node:net';
import tls from 'node:tls';

export interface ProxySource {
  readonly address: string;
  readonly port: number;
}

function family(address: string): 4 | 6 {
  return net.isIPv6(address) ? 6 : 4;
}

/** `PROXY TCP4 <src> <dst> <sport> <dport>\r\n`. */
export function proxyV1Header(source: ProxySource, destination: ProxySource): Buffer {
  const proto = family(source.address) === 6 ? 'TCP6' : 'TCP4';
  return Buffer.from(
    `PROXY ${proto} ${source.address} ${destination.address} ${source.port} ${destination.port}\r\n`,
  );
}

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

function ipBytes(address: string): Buffer {
  if (family(address) === 4) return Buffer.from(address.split('.').map(Number));
  const [head = '', tail] = address.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** The v2 binary header: signature, version 2 + PROXY command, TCP over IPv4 or IPv6, the addresses. */
export function proxyV2Header(source: ProxySource, destination: ProxySource): Buffer {
  const v6 = family(source.address) === 6;
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(source.port, 0);
  ports.writeUInt16BE(destination.port, 2);
  const body = Buffer.concat([ipBytes(source.address), ipBytes(destination.address), ports]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length, 0);
  return Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, v6 ? 0x21 : 0x11]), length, body]);
}

export type RawAnswer = { readonly status: number; readonly body: string } | 'closed';

/** The body of an HTTP/1.1 answer, its chunked transfer coding undone. */
function bodyOf(text: string): string {
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split).toLowerCase();
  let rest = text.slice(split + 4);
  if (!/\r\ntransfer-encoding: chunked/.test(head)) return rest;
  let body = '';
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return body;
    body += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

function readAnswer(socket: net.Socket, timeoutMs: number): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs}ms`));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve(m ? { status: Number(m[1]), body: bodyOf(text) } : 'closed');
    });
  });
}

function requestText(host: string, pathAndQuery: string): string {
  return `GET ${pathAndQuery} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
}

/** Connects to `port` on 127.0.0.1, sends `header` (none: nothing) and a GET over plain TCP. */
export async function rawHttpGet(
  port: number,
  header: Buffer | undefined,
  host: string,
  pathAndQuery = '/',
  timeoutMs = 10_000,
): Promise<RawAnswer> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const answer = readAnswer(socket, timeoutMs);
  socket.write(Buffer.concat([header ?? Buffer.alloc(0), Buffer.from(requestText(host, pathAndQuery))]));
  return answer;
}

/** As rawHttpGet, over TLS started after the header (SNI `host`, any certificate accepted). */
export async function rawHttpsGet(
  port: number,
  header: Buffer | undefined,
  host: string,
  pathAndQuery = '/',
  timeoutMs = 10_000,
): Promise<RawAnswer> {
  const raw = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => raw.once('connect', resolve).once('error', reject));
  if (header) raw.write(header);
  const closed = new Promise<'closed'>((resolve) => raw.once('close', () => resolve('closed')));
  const socket = tls.connect({ socket: raw, servername: host, rejectUnauthorized: false });
  const secured = new Promise<'secure'>((resolve) => socket.once('secureConnect', () => resolve('secure')));
  socket.on('error', () => undefined);
  const first = await Promise.race([secured, closed]);
  if (first === 'closed') return 'closed';
  const answer = readAnswer(socket, timeoutMs);
  socket.write(requestText(host, pathAndQuery));
  return answer;
}
