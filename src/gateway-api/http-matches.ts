/**
 * HTTPRoute matches (pure): the spec's defaults applied and the spec's precedence between matches of
 * one hostname, across routes: Exact path, then RegularExpression, then PathPrefix (longer paths first
 * within each), then a method match, then more header matches, then more query parameter matches, then
 * the older route (creationTimestamp, then namespace/name), then rule order and match order.
 */
import type { HttpRouteMatch } from '../resources/gateway-api-types.js';
import type { ObjectMeta } from '../resources/object-meta.js';
import { compareByAge } from '../ingress/ordering.js';
import { methodProblem, pathProblem, valueMatchProblem } from './match-checks.js';

export interface ValueMatch {
  readonly name: string;
  readonly kind: 'exact' | 'regex';
  readonly value: string;
}

export interface NormalizedMatch {
  readonly path: { readonly kind: 'exact' | 'prefix' | 'regex'; readonly value: string };
  /** Lowercase names; the first of a repeated name only (the spec ignores the others). */
  readonly headers: readonly ValueMatch[];
  /** Names as written (case-sensitive); the first of a repeated name only. */
  readonly queryParams: readonly ValueMatch[];
  readonly method?: string;
}

export type MatchResult =
  { readonly ok: true; readonly match: NormalizedMatch } | { readonly ok: false; readonly error: string };

function firstOfEach(
  list: readonly { type?: string; name: string; value: string }[] | undefined,
  fold: boolean,
): ValueMatch[] {
  const seen = new Set<string>();
  const out: ValueMatch[] = [];
  for (const h of list ?? []) {
    const name = fold ? h.name.toLowerCase() : h.name;
    if (seen.has(name)) continue;
    seen.add(name);
    out.push({ name, kind: h.type === 'RegularExpression' ? 'regex' : 'exact', value: h.value });
  }
  return out;
}

/** A match with the spec's defaults (PathPrefix `/`); a prefix's trailing `/` is dropped (`/a/` = `/a`). */
export function normalizeMatch(m: HttpRouteMatch | undefined): MatchResult {
  const type = m?.path?.type ?? 'PathPrefix';
  const value = m?.path?.value ?? '/';
  if (type !== 'RegularExpression' && !value.startsWith('/'))
    return { ok: false, error: `path "${value}" does not start with "/"` };
  if (type !== 'Exact' && type !== 'PathPrefix' && type !== 'RegularExpression')
    return { ok: false, error: `path match type "${String(type)}" is not supported` };
  const kind = type === 'Exact' ? 'exact' : type === 'PathPrefix' ? 'prefix' : 'regex';
  const path = kind === 'prefix' && value.length > 1 ? value.replace(/\/+$/, '') || '/' : value;
  const match: NormalizedMatch = {
    path: { kind, value: path },
    headers: firstOfEach(m?.headers, true),
    queryParams: firstOfEach(m?.queryParams, false),
    ...(m?.method !== undefined ? { method: m.method } : {}),
  };
  const problem =
    pathProblem(kind, value) ??
    methodProblem(match.method) ??
    match.headers.map((h) => valueMatchProblem('header', h.name, h.kind, h.value)).find((x) => x) ??
    match.queryParams
      .map((q) => valueMatchProblem('query parameter', q.name, q.kind, q.value))
      .find((x) => x);
  return problem === undefined ? { ok: true, match } : { ok: false, error: problem };
}

/** One match of one rule of one route, as sorted within a hostname. */
export interface RankedMatch {
  readonly match: NormalizedMatch;
  readonly route: { readonly metadata: ObjectMeta };
  readonly ruleIndex: number;
  readonly matchIndex: number;
}

const PATH_RANK = { exact: 0, regex: 1, prefix: 2 } as const;

/** The spec's precedence: negative when `a` is tried before `b`. */
export function compareMatches(a: RankedMatch, b: RankedMatch): number {
  const pa = a.match.path;
  const pb = b.match.path;
  return (
    PATH_RANK[pa.kind] - PATH_RANK[pb.kind] ||
    pb.value.length - pa.value.length ||
    Number(b.match.method !== undefined) - Number(a.match.method !== undefined) ||
    b.match.headers.length - a.match.headers.length ||
    b.match.queryParams.length - a.match.queryParams.length ||
    compareByAge(a.route, b.route) ||
    a.ruleIndex - b.ruleIndex ||
    a.matchIndex - b.matchIndex
  );
}
