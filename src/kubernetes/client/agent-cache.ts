/**
 * One keep-alive TLS agent per apiserver instead of one per request. client-node's
 * `applyToFetchOptions` builds a fresh `https.Agent` on every call (the credentials it reads may have
 * changed: rotated client certificates), so every list page paid a TLS handshake and a parse of the CA
 * on both sides: at a cold start with 100k endpoints (41 pages), ~250 ms of the controller's CPU
 * (`test/bench/kube-cold-start.main.ts --cpu-profile`). `AgentCache.reuse` returns a kept-alive agent
 * for as long as the TLS options stay the same, and a new one (the old one closed a while later) when
 * they change. Agents of other kinds (plain HTTP, proxies) are used as given.
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import https from 'node:https';

/** The TLS options that decide whom an agent trusts and who it is. */
const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

function part(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (Array.isArray(v)) return v.map(part);
  return v;
}

/** A digest of the agent's TLS options (secrets are not kept in the key). */
export function tlsOptionsKey(options: Readonly<Record<string, unknown>>): string {
  const parts = TLS_FIELDS.map((f) => part(options[f]) ?? null);
  return crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export class AgentCache {
  private current: { readonly key: string; readonly agent: https.Agent } | undefined;

  /** `retireAfterMs`: how long a replaced agent keeps its sockets for requests still running on them. */
  constructor(private readonly retireAfterMs = 120_000) {}

  reuse(fresh: http.Agent | undefined): http.Agent | undefined {
    // Only client-node's plain TLS agent: proxy agents are subclasses with state of their own.
    if (fresh === undefined || fresh.constructor !== https.Agent) return fresh;
    const options = (fresh as https.Agent).options as Readonly<Record<string, unknown>>;
    const key = tlsOptionsKey(options);
    if (this.current?.key === key) return this.current.agent;
    const old = this.current?.agent;
    if (old !== undefined) setTimeout(() => old.destroy(), this.retireAfterMs).unref();
    const agent = new https.Agent({ ...options, keepAlive: true });
    this.current = { key, agent };
    return agent;
  }

  close(): void {
    this.current?.agent.destroy();
    this.current = undefined;
  }
}
