/**
 * The rate limit annotations of gateway mode (issue 13, item 3), with ingress-nginx's names and value
 * syntax: `limit-rps` and `limit-rpm` (requests per second / minute from one client address, both may
 * apply), `limit-burst-multiplier` (the burst is the rate times this, default 5 as in ingress-nginx) and
 * `limit-whitelist` (alias `limit-allowlist`: client CIDRs the limits do not apply to). The per-Ingress
 * reader is `policies/rate-limit.ts`.
 */
import type { AnnotationSpec, ParseResult } from '../../ingress/ingress-annotations.js';
import type { CidrIR } from '../../ir/ir-types.js';
import { parseCidrList, MAX_CIDRS } from './cidr-syntax.js';

/** Highest rate accepted (per second or per minute): keeps rate x multiplier inside Envoy's uint32 token counts. */
export const MAX_RATE = 1_000_000;
export const MAX_BURST_MULTIPLIER = 1000;
/** ingress-nginx's default burst multiplier. */
export const DEFAULT_BURST_MULTIPLIER = 5;

function wholeNumber(raw: string, max: number): ParseResult<number> {
  const n = Number(raw);
  if (!/^\d+$/.test(raw)) return { ok: false, error: `"${raw}" is not a whole number` };
  if (n < 1) return { ok: false, error: `"${raw}" must be at least 1` };
  if (n > max) return { ok: false, error: `"${raw}" is larger than the maximum of ${max}` };
  return { ok: true, value: n };
}

const PER_CLIENT =
  'per client address and per route; over it the gateway answers 429 with `Retry-After` (seconds until a request is allowed again)';

export const LIMIT_RPS: AnnotationSpec<number> = {
  name: 'causeway.dev/limit-rps',
  targets: ['Ingress'],
  defaultText: 'none (no limit)',
  description: `Requests per second accepted from one client address on each route of the Ingress, ${PER_CLIENT}. A client may burst to rate x \`limit-burst-multiplier\`. From 1 to ${MAX_RATE}.`,
  parse: (raw) => wholeNumber(raw, MAX_RATE),
};

export const LIMIT_RPM: AnnotationSpec<number> = {
  name: 'causeway.dev/limit-rpm',
  targets: ['Ingress'],
  defaultText: 'none (no limit)',
  description: `Requests per minute accepted from one client address on each route of the Ingress, ${PER_CLIENT}. With \`limit-rps\` both apply. A client may burst to rate x \`limit-burst-multiplier\`. From 1 to ${MAX_RATE}.`,
  parse: (raw) => wholeNumber(raw, MAX_RATE),
};

export const LIMIT_BURST_MULTIPLIER: AnnotationSpec<number> = {
  name: 'causeway.dev/limit-burst-multiplier',
  targets: ['Ingress'],
  defaultText: `\`${DEFAULT_BURST_MULTIPLIER}\``,
  description: `With \`limit-rps\` or \`limit-rpm\`: the burst a client may send at once is the rate times this (each token bucket holds that many requests). From 1 to ${MAX_BURST_MULTIPLIER}.`,
  parse: (raw) => wholeNumber(raw, MAX_BURST_MULTIPLIER),
};

function exemptList(name: string, alias: string): AnnotationSpec<readonly CidrIR[]> {
  return {
    name,
    targets: ['Ingress'],
    defaultText: 'none',
    description: `With \`limit-rps\` or \`limit-rpm\`: comma-separated client CIDRs (IPv4 or IPv6; a bare address is one host) that are not rate limited. ${alias} At most ${MAX_CIDRS} ranges.`,
    parse: parseCidrList,
  };
}

export const LIMIT_WHITELIST = exemptList(
  'causeway.dev/limit-whitelist',
  "ingress-nginx's name; `limit-allowlist` is the same (when both are set, their ranges add up).",
);
export const LIMIT_ALLOWLIST = exemptList(
  'causeway.dev/limit-allowlist',
  'Same as `limit-whitelist` (ranges of both add up).',
);

export const RATE_LIMIT_ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [
  LIMIT_RPS,
  LIMIT_RPM,
  LIMIT_BURST_MULTIPLIER,
  LIMIT_WHITELIST,
  LIMIT_ALLOWLIST,
];
