/**
 * The `connectionLimit:` setting of the config file, at the top level (every group) or in a group:
 *
 *   connectionLimit: { maxConnections: 10000 }
 *
 * Each gateway of the group accepts at most `maxConnections` open downstream connections on each HTTP
 * filter chain of its listeners (the HTTP listener; each certificate's chain of the HTTPS listener) and
 * closes any connection beyond it at once (Envoy's connection_limit network filter, before the HTTP
 * connection manager). Strict: a bad value throws through `fail` naming the key.
 */
import type { GroupConnectionLimit } from '../translate/translate-options.js';

/** Envoy's field is a uint64; beyond this a limit protects nothing a gateway could hold. */
export const MAX_CONNECTION_LIMIT = 10_000_000;

export function readConnectionLimitConfig(
  at: string,
  raw: unknown,
  fail: (m: string) => never,
): GroupConnectionLimit {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail(`${at} must be a mapping {maxConnections}`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (k !== 'maxConnections') fail(`unknown key ${at}.${k} (allowed: maxConnections)`);
  const max = o['maxConnections'];
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_CONNECTION_LIMIT)
    fail(`${at}.maxConnections must be a whole number from 1 to ${MAX_CONNECTION_LIMIT}`);
  return { maxConnections: max };
}
