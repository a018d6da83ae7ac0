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
import { AgentCache } from './agent-cache.js';
import type { ProbeAnswer } from './reachability-gate.js';
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

/** A Retry-After header in seconds, in ms (the HTTP-date form is not used by apiservers). */
function retryAfterOf(headers: http.IncomingHttpHeaders): number | undefined {
  const value = headers['retry-after'];
  if (typeof value !== 'string') return undefined;
  const seconds = Number(value.trim());
  return value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
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
  /** Lists and probes share kept-alive connections (see agent-cache.ts). */
  private readonly agents = new AgentCache();

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

  close(): void {
    this.agents.close();
  }

  /** `GET /readyz`: the status (0 when nothing answered) and Retry-After; never rejects. */
  async probe(signal: AbortSignal): Promise<ProbeAnswer> {
    try {
      const res = await this.get('/readyz', {}, signal, 'text/plain');
      const retryAfter = retryAfterOf(res.headers);
      return { status: res.status, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) };
    } catch {
      return { status: 0 };
    }
  }

  private async getJson(path: string, query: KubeQuery, signal: AbortSignal): Promise<unknown> {
    const { status, text, headers, where } = await this.get(path, query, signal, 'application/json');
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = undefined;
    }
    if (status < 200 || status > 299)
      throw new KubeApiError(status, `${where}: ${statusMessage(status, body, text)}`, retryAfterOf(headers));
    if (body === undefined) throw new Error(`${where}: the answer is not JSON`);
    return body;
  }

  /** One GET with the kubeconfig's credentials; rejects only when nothing (or a broken stream) answered. */
  private async get(
    path: string,
    query: KubeQuery,
    signal: AbortSignal,
    accept: string,
  ): Promise<{
    readonly status: number;
    readonly text: string;
    readonly headers: http.IncomingHttpHeaders;
    readonly where: string;
  }> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster');
    const url = new URL(cluster.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const init = await this.kubeConfig.applyToFetchOptions({});
    const headers = { ...headerRecord(init.headers), accept };
    const agent = this.agents.reuse(init.agent as http.Agent | undefined);
    const request = url.protocol === 'http:' ? http.request : https.request;
    const where = `GET ${url.pathname}`;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        { method: 'GET', headers, signal, timeout: this.requestTimeoutMs, ...(agent ? { agent } : {}) },
        (res) => {
          // Decoded chunk by chunk into one (rope) string: no copy of the whole body into one Buffer first.
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              text,
              headers: res.headers,
              where,
            }),
          );
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
