/**
 * Small HTTP(S) clients for tests, on node:http/node:https so a test can set the Host header and the
 * TLS server name (SNI) independently of the address it connects to. No connection reuse (agent: false).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type tls from 'node:tls';

export interface HttpResponse {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface HttpsResponse extends HttpResponse {
  /** The certificate the server presented (for checking which one SNI selected). */
  readonly peerCertificate: tls.PeerCertificate | undefined;
}

export interface HttpGetOptions {
  /** The Host header (e.g. `app.example.com`); the URL's host is only where to connect. */
  readonly host?: string;
  /** Whole-request timeout; default 10000. */
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Default GET. */
  readonly method?: string;
  readonly body?: string | Buffer;
}

export interface HttpsGetOptions extends HttpGetOptions {
  /** The TLS SNI name; defaults to the Host header's name, else the URL's host (never an IP address). */
  readonly servername?: string;
  /** Trusted CA certificate(s), PEM. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Default true; set false to accept any certificate. */
  readonly rejectUnauthorized?: boolean;
}

function hostName(hostHeader: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader) ?? /^([^:]+)(?::\d+)?$/.exec(hostHeader);
  return m?.[1] ?? hostHeader;
}

function request(
  mod: typeof http | typeof https,
  url: string,
  opts: HttpGetOptions,
  extra: https.RequestOptions,
): Promise<HttpsResponse> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.host !== undefined) headers['host'] = opts.host;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method: opts.method ?? 'GET', headers, agent: false, ...extra }, (res) => {
      const chunks: Buffer[] = [];
      const socket = res.socket as tls.TLSSocket | null;
      const peerCertificate =
        socket && typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          headers: res.headers,
          peerCertificate,
        });
      });
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`${opts.method ?? 'GET'} ${url} timed out after ${timeoutMs}ms`)),
      timeoutMs,
    );
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(opts.body);
  });
}

/** An HTTP request (GET unless `method`); resolves for every status, rejects on connection errors and timeouts. */
export async function httpGet(url: string, opts: HttpGetOptions = {}): Promise<HttpResponse> {
  const { status, body, headers } = await request(http, url, opts, {});
  return { status, body, headers };
}

/** An HTTPS request with a chosen SNI name and CA (or `rejectUnauthorized: false`). */
export function httpsGet(url: string, opts: HttpsGetOptions = {}): Promise<HttpsResponse> {
  const candidate =
    opts.servername ?? (opts.host !== undefined ? hostName(opts.host) : new URL(url).hostname);
  const servername = net.isIP(candidate.replace(/^\[|\]$/g, '')) === 0 ? candidate : undefined;
  const ca =
    opts.ca === undefined
      ? undefined
      : Array.isArray(opts.ca)
        ? [...(opts.ca as ReadonlyArray<string | Buffer>)]
        : (opts.ca as string | Buffer);
  return request(https, url, opts, {
    ...(servername !== undefined ? { servername } : {}),
    ...(ca !== undefined ? { ca } : {}),
    rejectUnauthorized: opts.rejectUnauthorized ?? true,
  });
}
