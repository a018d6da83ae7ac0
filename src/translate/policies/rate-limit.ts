/**
 * The per-Ingress local rate limit of gateway routes (issue 13, item 3), read once per Ingress from
 * `causeway.dev/limit-rps`, `limit-rpm`, `limit-burst-multiplier` and `limit-whitelist` /
 * `limit-allowlist`. Pure. Each rate becomes a token bucket kept per client address: it holds
 * rate x multiplier requests and refills at the rate (`limit-rpm` in the smallest whole-second steps
 * that keep it exact: 30/min is 1 every 2 s, 100/min 5 every 3 s).
 *
 * A bad value never turns a limit off: a bad rate limits to 1 request per second (or minute), a bad
 * multiplier allows no burst beyond the rate, and a bad range list exempts no client, each with a
 * CW_E_ANNOTATION_INVALID diagnostic on the Ingress saying so.
 */
import type { Diagnostic } from '../../errors.js';
import { readAnnotation, type AnnotationSpec } from '../../ingress/ingress-annotations.js';
import type { IngressEntries } from '../../ingress/ingress-reader.js';
import type { CidrIR, RateLimitIR, TokenBucketIR } from '../../ir/ir-types.js';
import { cidrText } from './cidr-syntax.js';
import {
  DEFAULT_BURST_MULTIPLIER,
  LIMIT_ALLOWLIST,
  LIMIT_BURST_MULTIPLIER,
  LIMIT_RPM,
  LIMIT_RPS,
  LIMIT_WHITELIST,
} from './rate-limit-annotations.js';

/** The value of `spec`; `bad` when it is set but invalid (its diagnostic says `consequence`). */
function read<T>(
  spec: AnnotationSpec<T>,
  owner: IngressEntries,
  diags: Diagnostic[],
  consequence: string,
): T | 'bad' | undefined {
  const annotations = owner.ingress.object.metadata.annotations;
  const value = readAnnotation(spec, annotations, owner.diagRef, diags, consequence);
  return value === undefined && annotations?.[spec.name] !== undefined ? 'bad' : value;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** A bucket of `rate` requests per second or minute, holding `rate x multiplier`. */
export function tokenBucket(per: 'second' | 'minute', rate: number, multiplier: number): TokenBucketIR {
  const seconds = per === 'second' ? 1 : 60;
  const step = per === 'second' ? 1 : gcd(rate, seconds);
  return {
    per,
    maxTokens: rate * multiplier,
    tokensPerFill: rate / step,
    fillIntervalSeconds: seconds / step,
  };
}

function exemptRanges(owner: IngressEntries, diags: Diagnostic[]): readonly CidrIR[] | undefined {
  const consequence = 'no client is exempt from the rate limit';
  const lists = [LIMIT_WHITELIST, LIMIT_ALLOWLIST].map((s) => read(s, owner, diags, consequence));
  if (lists.includes('bad')) return undefined;
  const byText = new Map<string, CidrIR>();
  for (const list of lists)
    for (const c of (list as readonly CidrIR[] | undefined) ?? []) byText.set(cidrText(c), c);
  return byText.size > 0 ? [...byText.keys()].sort().map((k) => byText.get(k)!) : undefined;
}

export function readRateLimit(owner: IngressEntries, diags: Diagnostic[]): RateLimitIR | undefined {
  const rps = read(
    LIMIT_RPS,
    owner,
    diags,
    'limiting to 1 request per second per client (the most restrictive limit)',
  );
  const rpm = read(
    LIMIT_RPM,
    owner,
    diags,
    'limiting to 1 request per minute per client (the most restrictive limit)',
  );
  if (rps === undefined && rpm === undefined) return undefined;
  const m = read(LIMIT_BURST_MULTIPLIER, owner, diags, 'using 1 (no burst beyond the rate)');
  const multiplier = m === 'bad' ? 1 : (m ?? DEFAULT_BURST_MULTIPLIER);
  const buckets: TokenBucketIR[] = [];
  if (rps !== undefined) buckets.push(tokenBucket('second', rps === 'bad' ? 1 : rps, multiplier));
  if (rpm !== undefined) buckets.push(tokenBucket('minute', rpm === 'bad' ? 1 : rpm, multiplier));
  const exempt = exemptRanges(owner, diags);
  return { buckets, ...(exempt ? { exempt } : {}) };
}
