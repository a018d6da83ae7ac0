/**
 * What a list+watch loop needs from an apiserver: a page of a list, and a watch stream. The real one is
 * `KubeHttpTransport`; unit tests use fakes.
 */
import { httpStatusOf } from './http-status.js';
import type { ProbeAnswer } from './reachability-gate.js';

/** One page of a list: raw JSON objects (items of a list carry no apiVersion/kind). */
export interface KubeListPage {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
  /** Set when more pages follow. */
  readonly continueToken?: string;
}

export interface KubeWatchHandle {
  abort(): void;
}

export type KubeQuery = Readonly<Record<string, string>>;

export interface KubeTransport {
  /** GETs one page of `path`; rejects with a `KubeApiError` on an HTTP error. */
  list(path: string, query: KubeQuery, signal: AbortSignal): Promise<KubeListPage>;
  /**
   * Opens a watch of `path`: `onEvent` gets every event (`ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK`,
   * `ERROR` with a Status object); `onDone` is called once when the stream ends (null: closed normally).
   */
  watch(
    path: string,
    query: KubeQuery,
    onEvent: (type: string, object: unknown) => void,
    onDone: (error: unknown) => void,
  ): Promise<KubeWatchHandle>;
  /** A cheap readiness request (`GET /readyz`); without it, loops retry on their own backoff alone. */
  probe?(signal: AbortSignal): Promise<ProbeAnswer>;
  /** Closes kept-alive connections. */
  close?(): void;
}

/** An apiserver answered with an error status (HTTP, or a Status object in a watch stream). */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** The answer's Retry-After, in ms (429 Too Many Requests, 503). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** A one-line description of an error for logs and messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const status = httpStatusOf(error);
    const prefix = status !== undefined && !error.message.includes(String(status)) ? `HTTP ${status}: ` : '';
    const suffix = typeof code === 'string' && !error.message.includes(code) ? ` (${code})` : '';
    return `${prefix}${error.message}${suffix}`;
  }
  return String(error);
}
