/**
 * Bounds on the free text an xDS client sends. Node ids, groups (`node.cluster`), locality, user agent
 * and NACK messages reach logs, the fleet registry (`/api/gateways`), the NACK memory, diagnostics and
 * Kubernetes Events; a client could otherwise make each of them hold megabytes. Every such string is
 * clipped once, when a request is decoded (discovery-messages.ts), to a cap that no sane value reaches,
 * with a marker saying how much was cut. Pure.
 */

/** Longest kept length (UTF-16 code units, before the marker) of each client field. */
export const CLIENT_TEXT_LIMITS = {
  /** `node.id`: Envoy ids such as `sidecar~10.0.0.1~pod.ns~ns.svc.cluster.local` stay far below. */
  nodeId: 512,
  /** `node.cluster`, the gateway group (group names are DNS-label-like). */
  group: 256,
  /** Each of `node.locality.region`, `zone`, `sub_zone`. */
  locality: 256,
  /** `node.user_agent_name` and `node.user_agent_version`. */
  userAgent: 256,
  /** The node metadata `causeway.dev/address`. */
  address: 256,
  /** `error_detail.message` of a NACK: room for Envoy's messages about many resources at once. */
  nackMessage: 8_192,
  /** A `type_url` as logged (an unknown one is never stored). */
  typeUrl: 256,
} as const;

/** The marker appended to a clipped string: `…[truncated N chars]`. */
export function truncationMarker(cut: number): string {
  return `…[truncated ${cut} chars]`;
}

/**
 * `value` when at most `max` code units long, else its first `max` code units (never half a surrogate
 * pair) and the marker. The result is a fresh string: a plain `slice` would keep the client's whole
 * string alive behind it (V8 sliced strings).
 */
export function clipClientText(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = Math.max(0, max);
  const last = value.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  const kept = Buffer.from(value.slice(0, end), 'utf8').toString('utf8');
  return kept + truncationMarker(value.length - end);
}
