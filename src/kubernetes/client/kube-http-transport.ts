/**
 * The real transport: lists with a plain GET (the raw JSON, exactly what the watch stream carries, so a
 * relisted object and a watched one normalize identically; client-node's typed list methods would turn
 * timestamps into Dates), and watches with client-node's `Watch`. Credentials, CA and proxies come from the
 * KubeConfig (`applyToFetchOptions`), refreshed on every request (exec and OIDC tokens expire).
 */
import http from 'node:http';
import https from 'node:https';
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { isRecord } from '../../sources/manifests/field-reader.js';
import {
  KubeApiError,
  type KubeListPage,
  type KubeQuery,
  type KubeTransport,
  type KubeWatchHandle,
} from './kube-transport.js';

/** Default bound on one list page request without any byte received. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

function headerRecord(init: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (init === undefined || init === null) return out;
  if (typeof (init as { forEach?: unknown }).forEach === 'function' && !Array.isArray(init)) {
    (init as { forEach(cb: (value: string, key: string) => void): void }).forEach((v, k) => {
      out[k.toLowerCase()] = v;
    });
  } else if (Array.isArray(init)) {
    for (const pair of init as unknown[]) {
      if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string')
        out[pair[0].toLowerCase()] = pair[1];
    }
  } else if (isRecord(init)) {
    for (const [k, v] of Object.entries(init)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  }
  return out;
}

/** The message of a Kubernetes Status body, else the start of the body, else the HTTP status text. */
function statusMessage(status: number, body: unknown, text: string): string {
  const reason = http.STATUS_CODES[status] ?? 'error';
  if (isRecord(body) && typeof body['message'] === 'string') return `${status} ${reason}: ${body['message']}`;
  const snippet = text.trim().slice(0, 200);
  return snippet === '' ? `${status} ${reason}` : `${status} ${reason}: ${snippet}`;
}

export class KubeHttpTransport implements KubeTransport {
  private readonly watcher: Watch;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ) {
    this.watcher = new Watch(kubeConfig);
  }

  async list(path: string, query: KubeQuery, signal: AbortSignal): Promise<KubeListPage> {
    const body = await this.getJson(path, query, signal);
    if (!isRecord(body) || !Array.isArray(body['items']))
      throw new Error(`GET ${path}: the answer is not a list`);
    const meta = isRecord(body['metadata']) ? body['metadata'] : {};
    const rv = meta['resourceVersion'];
    const cont = meta['continue'];
    return {
      items: body['items'] as unknown[],
      resourceVersion: typeof rv === 'string' ? rv : '',
      ...(typeof cont === 'string' && cont !== '' ? { continueToken: cont } : {}),
    };
  }

  async watch(
    path: string,
    query: KubeQuery,
    onEvent: (type: string, object: unknown) => void,
    onDone: (error: unknown) => void,
  ): Promise<KubeWatchHandle> {
    const controller = await this.watcher.watch(
      path,
      { ...query },
      (type, object) => onEvent(type, object),
      onDone,
    );
    return { abort: () => controller.abort() };
  }

  private async getJson(path: string, query: KubeQuery, signal: AbortSignal): Promise<unknown> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster');
    const url = new URL(cluster.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const init = await this.kubeConfig.applyToFetchOptions({});
    const headers = { ...headerRecord(init.headers), accept: 'application/json' };
    const agent = init.agent as http.Agent | undefined;
    const request = url.protocol === 'http:' ? http.request : https.request;
    const where = `GET ${url.pathname}`;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        { method: 'GET', headers, signal, timeout: this.requestTimeoutMs, ...(agent ? { agent } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            let body: unknown;
            try {
              body = JSON.parse(text) as unknown;
            } catch {
              body = undefined;
            }
            if (status < 200 || status > 299)
              reject(new KubeApiError(status, `${where}: ${statusMessage(status, body, text)}`));
            else if (body === undefined) reject(new Error(`${where}: the answer is not JSON`));
            else resolve(body);
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`${where}: no answer within ${this.requestTimeoutMs} ms`)),
      );
      req.on('error', (e) => {
        if (!e.message.includes(where)) e.message = `${where}: ${e.message}`;
        reject(e);
      });
      req.end();
    });
  }
}
