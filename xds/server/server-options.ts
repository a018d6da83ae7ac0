/**
 * Connection tuning of the ADS server, and the grpc-js options it becomes. Every server has a maximum
 * connection age, randomized per server start (on top of the ±10 % grpc-js already applies per
 * connection), so that gateways connected at the same moment (after a rollout) do not all reconnect at
 * the same moment again.
 */
import type { ChannelOptions } from '@grpc/grpc-js';
import { jittered } from '../../src/util/backoff.js';

export interface AdsServerTuning {
  /** Interval of server keepalive pings. Default 30 s. */
  readonly keepaliveTimeMs?: number;
  /** How long a keepalive ping may stay unanswered before the connection is closed. Default 10 s. */
  readonly keepaliveTimeoutMs?: number;
  /** Maximum connection age before a GOAWAY. Default 30 min. */
  readonly maxConnectionAgeMs?: number;
  /** Jitter fraction applied to maxConnectionAgeMs once per server start. Default 0.1 (±10 %). */
  readonly maxConnectionAgeJitter?: number;
  /** How long streams may go on after the GOAWAY of maxConnectionAgeMs. Default 30 s. */
  readonly maxConnectionAgeGraceMs?: number;
  /** Make-before-break: longest hold of cluster/endpoint removals awaiting listener/route ACKs. Default 5 s. */
  readonly holdRemovalsMs?: number;
  /** close(): streams are ended at random moments within this window. Default 2 s. */
  readonly closeWindowMs?: number;
  /** close(): after the window, how long to wait for connections to close before forcing. Default 1 s. */
  readonly closeGraceMs?: number;
  /**
   * At most this many streams compute and write a response at once; the others wait their turn (FIFO).
   * Default 8: in the push-storm benchmark (200 gateways connecting at once to 1,000 Ingresses) 8 synced
   * the fleet as fast as no limit while the event loop stalled at most ~35 ms instead of ~0.5 s, and with
   * less memory. See push-limiter.ts.
   */
  readonly maxConcurrentPushes?: number;
  /** Longest a stream holds a push slot while its writes are not yet handed to the connection. Default 5 s. */
  readonly pushWriteTimeoutMs?: number;
  /**
   * A stream whose first DiscoveryRequest (naming its node) has not arrived this long after it opened is
   * closed (DEADLINE_EXCEEDED). Default 10 s; 0 turns it off.
   */
  readonly handshakeTimeoutMs?: number;
  /**
   * A connection without any open stream this long is closed (grpc-js `grpc.max_connection_idle_ms`):
   * a client that connects and never opens a stream holds nothing for long. Default 60 s.
   */
  readonly connectionIdleTimeoutMs?: number;
  /**
   * Most requests of one stream waiting to be handled (before the cache is ready, or for a push slot).
   * Envoy has at most a few per resource type in flight; a client beyond the cap is cut off
   * (RESOURCE_EXHAUSTED). Default 256.
   */
  readonly maxQueuedRequests?: number;
  /**
   * Delta: most resource names one stream may subscribe to, over all types (subscriptions accumulate
   * over requests), and most characters of those names together. Beyond either, the client is cut off
   * (RESOURCE_EXHAUSTED). Defaults 100,000 and 20,000,000.
   */
  readonly maxSubscribedNames?: number;
  readonly maxSubscribedNameChars?: number;
}

export type ResolvedTuning = Required<AdsServerTuning>;

export const DEFAULT_TUNING: ResolvedTuning = {
  keepaliveTimeMs: 30_000,
  keepaliveTimeoutMs: 10_000,
  maxConnectionAgeMs: 30 * 60_000,
  maxConnectionAgeJitter: 0.1,
  maxConnectionAgeGraceMs: 30_000,
  holdRemovalsMs: 5_000,
  closeWindowMs: 2_000,
  closeGraceMs: 1_000,
  maxConcurrentPushes: 8,
  pushWriteTimeoutMs: 5_000,
  handshakeTimeoutMs: 10_000,
  connectionIdleTimeoutMs: 60_000,
  maxQueuedRequests: 256,
  maxSubscribedNames: 100_000,
  maxSubscribedNameChars: 20_000_000,
};

export function resolveTuning(tuning: AdsServerTuning): ResolvedTuning {
  const given = tuning as Record<string, unknown>;
  const resolved = Object.fromEntries(
    Object.entries(DEFAULT_TUNING).map(([key, fallback]) => [key, given[key] ?? fallback]),
  ) as unknown as ResolvedTuning;
  for (const [key, value] of Object.entries(resolved)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error(`ads server: ${key} must be a non-negative number, got ${String(value)}`);
    }
  }
  for (const key of ['maxConcurrentPushes', 'maxQueuedRequests', 'maxSubscribedNames'] as const)
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1)
      throw new Error(`ads server: ${key} must be an integer >= 1, got ${String(resolved[key])}`);
  if (resolved.connectionIdleTimeoutMs < 1)
    throw new Error('ads server: connectionIdleTimeoutMs must be at least 1 ms');
  if (resolved.maxConnectionAgeJitter >= 1)
    throw new Error('ads server: maxConnectionAgeJitter must be below 1');
  return resolved;
}

export function grpcServerOptions(tuning: ResolvedTuning, random: () => number): ChannelOptions {
  return {
    'grpc.keepalive_time_ms': tuning.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': tuning.keepaliveTimeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_connection_age_ms': jittered(tuning.maxConnectionAgeMs, tuning.maxConnectionAgeJitter, random),
    'grpc.max_connection_age_grace_ms': tuning.maxConnectionAgeGraceMs,
    'grpc.max_connection_idle_ms': tuning.connectionIdleTimeoutMs,
  };
}
