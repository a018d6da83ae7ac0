/**
 * Lays out a listener's rules from the claimed Ingress routes, in ALB priority order:
 * 1. Precedence follows the Ingress semantics of gateway mode: rules of concrete hosts, then of
 *    wildcard hosts (more labels first), then rules without a host; within each, Exact paths first,
 *    then Prefix paths longest first. Rules of different concrete hosts never match the same request,
 *    so they are ordered path first, which puts equal paths next to each other.
 * 2. Path patterns: Exact `/foo` -> `/foo`; Prefix `/foo` -> `/foo` and `/foo/*`; Prefix `/` -> no
 *    path condition (a host rule) or the listener's default action (no host).
 * 3. Merging: a rule joins an earlier one with the same action when they share their hosts (paths are
 *    added) or their paths (hosts are added), at most 5 condition values in all (the AWS limit), and
 *    only when no rule in between could match the same request. So "more values than 5" becomes
 *    several rules, and many hosts with the same paths and backend cost few rules.
 */
import type { ObjectRef } from '../../errors.js';
import type { PathMatch } from '../../ingress/ingress-types.js';
import { ANY_HOST, isWildcard } from '../../ingress/hosts.js';
import type { AbstractAction } from './alb-backends.js';

const MAX_CONDITION_VALUES = 5;

export interface RouteCandidate {
  /** Normalized host, `*.foo.com`, or `*` for a rule without host. */
  readonly host: string;
  readonly match: PathMatch;
  readonly action: AbstractAction;
  readonly source: ObjectRef;
}

export interface LaidOutRule {
  /** host-header values; empty = any host. Sorted. */
  readonly hosts: readonly string[];
  /** path-pattern values; empty = any path. Sorted. */
  readonly paths: readonly string[];
  readonly action: AbstractAction;
  readonly source: ObjectRef;
}

function pathPatterns(match: PathMatch): string[] {
  if (match.kind === 'exact') return [match.path];
  if (match.path === '/') return [];
  return [match.path, `${match.path}/*`];
}

/** True for the route that is the listener's catch-all (no host, Prefix `/`). */
export function isCatchAll(c: RouteCandidate): boolean {
  return c.host === ANY_HOST && c.match.kind === 'prefix' && c.match.path === '/';
}

function tier(host: string): number {
  return host === ANY_HOST ? 2 : isWildcard(host) ? 1 : 0;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Exact before Prefix; Exact by path; Prefix longest first. */
function comparePathPrecedence(a: PathMatch, b: PathMatch): number {
  if (a.kind !== b.kind) return a.kind === 'exact' ? -1 : 1;
  if (a.kind === 'prefix' && a.path.length !== b.path.length) return b.path.length - a.path.length;
  return cmp(a.path, b.path);
}

function compareCandidates(a: RouteCandidate, b: RouteCandidate): number {
  const ta = tier(a.host);
  const tb = tier(b.host);
  if (ta !== tb) return ta - tb;
  if (ta === 1 && a.host !== b.host) {
    const la = a.host.split('.').length;
    const lb = b.host.split('.').length;
    return la !== lb ? lb - la : cmp(a.host, b.host);
  }
  return comparePathPrecedence(a.match, b.match) || cmp(a.host, b.host);
}

/** ALB host-header matching: `*` matches any characters, dots included. */
function hostsMayOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const covers = (w: string, h: string): boolean => isWildcard(w) && h.endsWith(w.slice(1));
  return covers(a, b) || covers(b, a);
}

function mayOverlap(x: LaidOutRule, y: LaidOutRule): boolean {
  if (x.hosts.length === 0 || y.hosts.length === 0) return true;
  return x.hosts.some((a) => y.hosts.some((b) => hostsMayOverlap(a, b)));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort(cmp);
}

/** Joins `r` into `o` (same action, checked by the caller) when the result is a valid rule. */
function merged(o: LaidOutRule, r: LaidOutRule): LaidOutRule | undefined {
  let next: LaidOutRule | undefined;
  if (sameSet(o.hosts, r.hosts) && o.paths.length > 0 && r.paths.length > 0)
    next = { ...o, paths: union(o.paths, r.paths) };
  else if (sameSet(o.paths, r.paths) && o.hosts.length > 0 && r.hosts.length > 0)
    next = { ...o, hosts: union(o.hosts, r.hosts) };
  if (!next || next.hosts.length + next.paths.length > MAX_CONDITION_VALUES) return undefined;
  return next;
}

/** How far back a rule looks for a rule to join (keeps layout linear on large groups). */
const MERGE_WINDOW = 64;

/** The rules of one listener, in priority order (the catch-all route is not among them). */
export function layoutRules(candidates: readonly RouteCandidate[]): LaidOutRule[] {
  const out: LaidOutRule[] = [];
  const actionKeys: string[] = [];
  for (const c of [...candidates].filter((x) => !isCatchAll(x)).sort(compareCandidates)) {
    const rule: LaidOutRule = {
      hosts: c.host === ANY_HOST ? [] : [c.host],
      paths: pathPatterns(c.match),
      action: c.action,
      source: c.source,
    };
    const actionKey = JSON.stringify(c.action);
    let placed = false;
    for (let k = out.length - 1; k >= 0 && k >= out.length - MERGE_WINDOW; k--) {
      const m = actionKeys[k] === actionKey ? merged(out[k]!, rule) : undefined;
      if (m) {
        out[k] = m;
        placed = true;
        break;
      }
      if (mayOverlap(out[k]!, rule)) break;
    }
    if (!placed) {
      out.push(rule);
      actionKeys.push(actionKey);
    }
  }
  return out;
}
