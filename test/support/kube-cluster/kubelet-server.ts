/**
 * The node agent's kubelet API, as far as tests need it: HTTPS on the node's address (a certificate
 * for that IP from a CA made at start; kube-apiserver does not verify kubelet serving certificates
 * unless --kubelet-certificate-authority is set) serving `GET /containerLogs/{ns}/{pod}/{container}`,
 * the path the apiserver proxies `pods/log` to (client-go GetLogs, kubectl logs). The log is text/plain
 * per container-logs.ts; 404 for a container the node does not run, 400 for a bad query. No client
 * authentication: the server is on the test node's bridge only.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTestCa } from '../tls-certs.js';
import { parseLogQuery, readLog, type LogRecord } from './container-logs.js';

/** Finds a container's log records (`undefined`: no such container on this node). */
export type ContainerLogLookup = (
  namespace: string,
  pod: string,
  container: string,
) => readonly LogRecord[] | undefined;

export interface KubeletServer {
  readonly port: number;
  close(): Promise<void>;
}

interface Reply {
  readonly status: number;
  readonly body: string;
}

/** The response to one request (pure apart from `now`). */
export function kubeletResponse(
  method: string,
  rawUrl: string,
  lookup: ContainerLogLookup,
  now: Date = new Date(),
): Reply {
  const url = new URL(rawUrl, 'https://node.invalid');
  const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (!match) return { status: 404, body: `404 page not found: ${url.pathname}\n` };
  if (method !== 'GET') return { status: 405, body: `method ${method} not allowed\n` };
  const [namespace, pod, container] = match.slice(1).map(decodeURIComponent) as [string, string, string];
  const records = lookup(namespace, pod, container);
  if (!records)
    return { status: 404, body: `container "${container}" in pod "${namespace}/${pod}" not found\n` };
  try {
    return { status: 200, body: readLog(records, parseLogQuery(url.searchParams, now)) };
  } catch (err) {
    return { status: 400, body: `${err instanceof Error ? err.message : String(err)}\n` };
  }
}

/** Listens on `host` (a free port) until `close()`. */
export async function startKubeletServer(host: string, lookup: ContainerLogLookup): Promise<KubeletServer> {
  const ca = createTestCa('causeway-node-agent-ca');
  let pair;
  try {
    pair = ca.issueServer({ ips: [host] });
  } finally {
    ca.remove();
  }
  const server = https.createServer({ cert: pair.cert, key: pair.key }, (req, res) => {
    const reply = kubeletResponse(req.method ?? 'GET', req.url ?? '/', lookup);
    res.writeHead(reply.status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(reply.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
