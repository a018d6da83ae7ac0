/**
 * `causeway translate` never prints basic auth hashes (issue 13, item 2): in Envoy resources the
 * `users` DataSource of the basic_auth filter and its per-route configs, in the IR the `hash` of every
 * user of a route's `basicAuth`, become "[redacted]" (user names stay: they are in diagnostics too).
 * `/debug/config` does the same with its own DataSource redaction (src/admin/admin-server.ts).
 */
const REDACTED = '[redacted]';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function redactUsers(key: string, v: unknown): unknown {
  if (key === 'users' && isRecord(v) && 'inline_string' in v) return { ...v, inline_string: REDACTED };
  if (key === 'basicAuth' && isRecord(v) && Array.isArray(v['users']))
    return {
      ...v,
      users: (v['users'] as unknown[]).map((u) => (isRecord(u) ? { ...u, hash: REDACTED } : u)),
    };
  return redactBasicAuth(v);
}

/** A copy of `value` (IR or Envoy resources) with basic auth hashes redacted. */
export function redactBasicAuth(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactBasicAuth);
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactUsers(k, v)]));
}
