/**
 * Test clients that choose their source address (`localAddress`): on Linux every 127.0.0.0/8 address is
 * local, so 127.0.0.2 and 127.0.0.3 act as distinct clients of a gateway on 127.0.0.1 without a
 * proxy header. Plus raw TCP connections held open, to count what a listener accepts.
 */
import http from 'node:http';
import net from 'node:net';
import type { HttpResponse } from './http-client.js';

/** A GET from `localAddress` with this Host header; resolves for every status. No connection reuse. */
export function getFrom(
  localAddress: string,
  port: number,
  host: string,
  path = '/',
  timeoutMs = 10_000,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, localAddress, headers: { host }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          });
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`GET ${host}${path} timed out`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

/** `count` GETs one after the other; their statuses in order. */
export async function statusesFrom(
  localAddress: string,
  port: number,
  host: string,
  count: number,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await getFrom(localAddress, port, host)).status);
  return out;
}

/** What happened to one HTTP/1.1 request sent on a connection held open: its status line, or `closed`. */
export type HeldOutcome = string;

/**
 * Opens `count` TCP connections to the port and keeps them open; then sends one keep-alive request on
 * each and reports, per connection, the status code answered or `closed` when the gateway closed it
 * without an answer. Every socket is destroyed before returning.
 */
export async function heldConnections(port: number, host: string, count: number): Promise<HeldOutcome[]> {
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ host: '127.0.0.1', port }, () => {
            s.removeListener('error', reject);
            // A connection the gateway closes while held has no answer to wait for.
            s.on('error', () => undefined);
            resolve(s);
          });
          s.on('error', reject);
        }),
    ),
  );
  // Let the gateway accept (or close) every connection before any request is sent.
  await new Promise((r) => setTimeout(r, 500));
  try {
    return await Promise.all(sockets.map((s) => outcome(s, host)));
  } finally {
    for (const s of sockets) s.destroy();
  }
}

function outcome(s: net.Socket, host: string): Promise<HeldOutcome> {
  return new Promise((resolve) => {
    let data = '';
    const done = (v: string): void => {
      clearTimeout(timer);
      resolve(v);
    };
    const timer = setTimeout(() => done(data === '' ? 'no answer' : data.slice(9, 12)), 5000);
    if (s.readyState !== 'open' || s.destroyed) {
      done('closed');
      return;
    }
    s.on('error', () => done(data === '' ? 'closed' : data.slice(9, 12)));
    s.on('close', () => done(data === '' ? 'closed' : data.slice(9, 12)));
    s.on('data', (c: Buffer) => {
      data += c.toString('latin1');
      if (data.length >= 12) done(data.slice(9, 12));
    });
    s.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  });
}
