import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttpTransport } from './kube-http-transport.js';
import { KubeApiError } from './kube-transport.js';

// A plain-http stand-in for an apiserver (client-node allows http with insecure-skip-tls-verify).
let server: http.Server;
let url: string;
const requests: { url: string; auth: string | undefined }[] = [];
let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void = () => undefined;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', auth: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  requests.length = 0;
});

function transport(timeoutMs?: number): KubeHttpTransport {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'sekret' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return new KubeHttpTransport(kc, timeoutMs);
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

test('list: raw items, resourceVersion and continue token, with the query and the credentials', async () => {
  handler = (_req, res) =>
    json(res, 200, {
      kind: 'ServiceList',
      metadata: { resourceVersion: '42', continue: 'next' },
      items: [{ metadata: { name: 'a', creationTimestamp: '2026-01-02T03:04:05Z' } }],
    });
  const page = await transport().list(
    '/api/v1/services',
    { limit: '2', fieldSelector: 'type=x' },
    new AbortController().signal,
  );
  expect(page).toEqual({
    items: [{ metadata: { name: 'a', creationTimestamp: '2026-01-02T03:04:05Z' } }],
    resourceVersion: '42',
    continueToken: 'next',
  });
  expect(requests).toEqual([
    { url: '/api/v1/services?limit=2&fieldSelector=type%3Dx', auth: 'Bearer sekret' },
  ]);
});

test('list: the last page has no continue token', async () => {
  handler = (_req, res) => json(res, 200, { metadata: { resourceVersion: '7', continue: '' }, items: [] });
  expect(await transport().list('/api/v1/services', {}, new AbortController().signal)).toEqual({
    items: [],
    resourceVersion: '7',
  });
});

test('an HTTP error becomes a KubeApiError with the Status message', async () => {
  handler = (_req, res) =>
    json(res, 403, { kind: 'Status', code: 403, message: 'services is forbidden: User "x" cannot list' });
  const err = await transport()
    .list('/api/v1/services', {}, new AbortController().signal)
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(KubeApiError);
  expect((err as KubeApiError).statusCode).toBe(403);
  expect((err as Error).message).toBe(
    'GET /api/v1/services: 403 Forbidden: services is forbidden: User "x" cannot list',
  );
});

test('410 Gone (an expired continue token) keeps its status; non-JSON and non-lists are errors', async () => {
  handler = (_req, res) => {
    res.writeHead(410);
    res.end('expired');
  };
  await expect(transport().list('/x', {}, new AbortController().signal)).rejects.toMatchObject({
    statusCode: 410,
    message: 'GET /x: 410 Gone: expired',
  });
  handler = (_req, res) => {
    res.writeHead(200);
    res.end('<html>');
  };
  await expect(transport().list('/x', {}, new AbortController().signal)).rejects.toThrow(
    'GET /x: the answer is not JSON',
  );
  handler = (_req, res) => json(res, 200, { kind: 'Status' });
  await expect(transport().list('/x', {}, new AbortController().signal)).rejects.toThrow(
    'GET /x: the answer is not a list',
  );
});

test('a request without an answer times out; an aborted one rejects', async () => {
  handler = () => undefined; // never answers
  await expect(transport(50).list('/slow', {}, new AbortController().signal)).rejects.toThrow(
    'GET /slow: no answer within 50 ms',
  );
  const abort = new AbortController();
  const p = transport().list('/slow', {}, abort.signal);
  abort.abort();
  await expect(p).rejects.toThrow(/GET \/slow: .*abort/i);
});

test('an unreachable server names the request and the cause', async () => {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'http://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  await expect(new KubeHttpTransport(kc).list('/api', {}, new AbortController().signal)).rejects.toThrow(
    /GET \/api: connect ECONNREFUSED/,
  );
});

test('watch: events in order, then the end of the stream', async () => {
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(
      `${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '6' } } })}\n`,
    );
    res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } })}\n`);
    res.end();
  };
  const events: [string, unknown][] = [];
  const done = await new Promise<unknown>((resolve) => {
    void transport().watch(
      '/api/v1/services',
      { resourceVersion: '5', allowWatchBookmarks: 'true' },
      (type, o) => events.push([type, o]),
      resolve,
    );
  });
  expect(done).toBeNull();
  expect(requests.map((r) => r.url)).toEqual([
    '/api/v1/services?watch=true&resourceVersion=5&allowWatchBookmarks=true',
  ]);
  expect(events).toEqual([
    ['ADDED', { metadata: { name: 'a', resourceVersion: '6' } }],
    ['BOOKMARK', { metadata: { resourceVersion: '9' } }],
  ]);
});

test('watch: an HTTP error ends it with the status code', async () => {
  handler = (_req, res) => json(res, 410, { kind: 'Status', code: 410 });
  const err = await new Promise<unknown>((resolve) => {
    void transport().watch('/api/v1/services', {}, () => undefined, resolve);
  });
  expect((err as { statusCode: number }).statusCode).toBe(410);
});

test('a 429 list answer carries its Retry-After', async () => {
  handler = (_req, res) => {
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '2' });
    res.end(JSON.stringify({ kind: 'Status', code: 429, message: 'too many requests' }));
  };
  await expect(transport().list('/x', {}, new AbortController().signal)).rejects.toMatchObject({
    statusCode: 429,
    retryAfterMs: 2_000,
  });
});

test('probe: GET /readyz with the credentials; its status (and Retry-After), 0 when nothing answers', async () => {
  handler = (_req, res) => {
    res.writeHead(200);
    res.end('ok');
  };
  expect(await transport().probe(new AbortController().signal)).toEqual({ status: 200 });
  expect(requests).toEqual([{ url: '/readyz', auth: 'Bearer sekret' }]);
  handler = (_req, res) => {
    res.writeHead(503, { 'retry-after': '1' });
    res.end('[-]etcd failed');
  };
  expect(await transport().probe(new AbortController().signal)).toEqual({ status: 503, retryAfterMs: 1_000 });
  handler = (req) => req.socket.destroy();
  expect(await transport().probe(new AbortController().signal)).toEqual({ status: 0 });
});
