/**
 * The path policy of one Ingress (issue 12, item 2): `use-regex` (read before the Ingress's paths are),
 * `rewrite-target` (checked against each path's capture groups), a redirect to a URL, `app-root` and
 * `from-to-www-redirect`. Pure: a bad value is a CW_E_ANNOTATION_INVALID diagnostic naming the annotation,
 * and that annotation is left unset (a rewrite refused for one path leaves that path unchanged).
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../../errors.js';
import type { PathMatch } from '../../ingress/ingress-types.js';
import { readAnnotation, type AnnotationSpec } from '../../ingress/ingress-annotations.js';
import type { IngressEntries } from '../../ingress/ingress-reader.js';
import { checkRegexPath } from '../../ingress/regex-paths.js';
import type { PathRewriteIR, RedirectIR } from '../../ir/ir-types.js';
import {
  APP_ROOT,
  FROM_TO_WWW_REDIRECT,
  PERMANENT_REDIRECT,
  PERMANENT_REDIRECT_CODE,
  REWRITE_TARGET,
  TEMPORAL_REDIRECT,
  TEMPORAL_REDIRECT_CODE,
  USE_REGEX,
  type RedirectCode,
  type RewriteTarget,
} from './paths-annotations.js';

export interface PathsPolicy {
  /** rewrite-target, when valid. */
  readonly rewrite?: RewriteTarget;
  /** Routes (by name) whose paths cannot take the rewrite (a `$n` beyond their groups): sent unchanged. */
  readonly rewriteRefused?: readonly string[];
  /** Every path of the Ingress answers with this redirect (permanent- or temporal-redirect). */
  readonly redirect?: RedirectIR;
  /** A request for exactly `/` is redirected (302) to this path. */
  readonly appRoot?: string;
  readonly fromToWww?: true;
}

/** Whether the Ingress's ImplementationSpecific paths are regexes (`causeway.dev/use-regex`). */
export function readUseRegex(
  annotations: Readonly<Record<string, string>> | undefined,
  ref: ObjectRef,
  diags: Diagnostic[],
): boolean {
  return readAnnotation(USE_REGEX, annotations, ref, diags) ?? false;
}

function readRedirect(owner: IngressEntries, diags: Diagnostic[]): RedirectIR | undefined {
  const ann = owner.ingress.object.metadata.annotations;
  const read = <T>(spec: AnnotationSpec<T>): T | undefined => readAnnotation(spec, ann, owner.diagRef, diags);
  // ingress-nginx reads temporal-redirect first: it wins when both are set.
  const temporal = read(TEMPORAL_REDIRECT);
  const permanent = read(PERMANENT_REDIRECT);
  const url = temporal ?? permanent;
  if (url === undefined) return undefined;
  const code: RedirectCode = temporal
    ? (read(TEMPORAL_REDIRECT_CODE) ?? 302)
    : (read(PERMANENT_REDIRECT_CODE) ?? 301);
  return {
    scheme: url.scheme,
    host: url.host,
    ...(url.port ? { port: url.port } : {}),
    path: url.path,
    stripQuery: true,
    code,
  };
}

/** A Prefix path's rewrite is an RE2 regex of its characters: longer ones could pass Envoy's program size limit. */
const MAX_REWRITTEN_PREFIX = 80;

/** Where a route's path is in its Ingress (`rules[0].http.paths[1]`, `defaultBackend`), from its route name. */
function pathWhere(routeName: string): string {
  const m = /\/rule\/(\d+)\/path\/(\d+)$/.exec(routeName);
  return m ? `rules[${m[1]}].http.paths[${m[2]}]` : 'defaultBackend';
}

/** The capture groups a route's path offers to a rewrite (0 for Exact and Prefix paths). */
function groupsOf(match: PathMatch): number {
  if (match.kind !== 'regex') return 0;
  const r = checkRegexPath(match.path);
  return r.ok ? r.groups : 0;
}

/** The routes that cannot take the rewrite, each with a diagnostic naming the path. */
function refusedRewrites(owner: IngressEntries, rewrite: RewriteTarget, diags: Diagnostic[]): string[] {
  const routes = [
    ...owner.routes.map((r) => ({ name: r.name, match: r.match })),
    ...(owner.defaultBackend
      ? [{ name: owner.defaultBackend.name, match: { kind: 'prefix', path: '/' } as const }]
      : []),
  ];
  const refused: string[] = [];
  for (const r of routes) {
    if (r.match.kind === 'prefix' && r.match.path.length > MAX_REWRITTEN_PREFIX) {
      refused.push(r.name);
      diags.push(
        diagnostic(
          'CW_E_ANNOTATION_INVALID',
          owner.diagRef,
          `annotation ${REWRITE_TARGET.name}: the prefix path of ${pathWhere(r.name)} is longer than ${MAX_REWRITTEN_PREFIX} characters (too long for the gateway's rewrite regex); that path is sent unchanged`,
        ),
      );
      continue;
    }
    const groups = groupsOf(r.match);
    if (rewrite.maxGroup <= groups) continue;
    refused.push(r.name);
    diags.push(
      diagnostic(
        'CW_E_ANNOTATION_INVALID',
        owner.diagRef,
        `annotation ${REWRITE_TARGET.name}: "${rewrite.target}" uses $${rewrite.maxGroup} but the ${r.match.kind} path "${r.match.path}" (${pathWhere(r.name)}) has ${groups} capture group(s); that path is sent unchanged`,
      ),
    );
  }
  return refused;
}

/** The path policy of an Ingress; undefined when it sets none of the path annotations. */
export function readPaths(owner: IngressEntries, diags: Diagnostic[]): PathsPolicy | undefined {
  const ann = owner.ingress.object.metadata.annotations;
  const rewrite = readAnnotation(REWRITE_TARGET, ann, owner.diagRef, diags);
  const redirect = readRedirect(owner, diags);
  const appRoot = readAnnotation(APP_ROOT, ann, owner.diagRef, diags);
  const fromToWww = readAnnotation(FROM_TO_WWW_REDIRECT, ann, owner.diagRef, diags);
  const refused = rewrite ? refusedRewrites(owner, rewrite, diags) : [];
  const policy: PathsPolicy = {
    ...(rewrite ? { rewrite } : {}),
    ...(refused.length > 0 ? { rewriteRefused: refused } : {}),
    ...(redirect ? { redirect } : {}),
    ...(appRoot !== undefined ? { appRoot } : {}),
    ...(fromToWww ? { fromToWww: true as const } : {}),
  };
  return Object.keys(policy).length > 0 ? policy : undefined;
}

/** RE2 escape of an Ingress path (whose characters are URL characters). */
function escapeRegex(path: string): string {
  return path.replace(/[.*+?()[\]{}|^$\\]/g, '\\$&');
}

/**
 * The rewrite of one route's path to `target`:
 * - regex path: the whole path is replaced (nginx's `rewrite`), `$n` becoming RE2's `\n`;
 * - Exact path: the whole path is replaced;
 * - Prefix path: the matched prefix is replaced, with one `/` between the target and the rest
 *   (`/foo` + `/` sends `/foo/bar` as `/bar` and `/foo` as `/`; `/foo` + `/v2` sends `/foo/bar` as `/v2/bar`).
 */
export function pathRewriteFor(match: PathMatch, target: string): PathRewriteIR {
  switch (match.kind) {
    case 'regex':
      return { regex: `^(?:${match.path}).*`, substitution: target.replace(/\$([1-9])/g, '\\$1') };
    case 'exact':
      return { regex: '^.*', substitution: target };
    case 'prefix': {
      const slashed = target.endsWith('/');
      if (match.path === '/') return { regex: '^/', substitution: slashed ? target : `${target}/` };
      return { regex: `^${escapeRegex(match.path)}${slashed ? '/?' : ''}`, substitution: target };
    }
  }
}

/** The rewrite of a route of an Ingress with this policy, if any (not on refused paths). */
export function routeRewrite(
  name: string,
  match: PathMatch,
  policy: PathsPolicy | undefined,
): PathRewriteIR | undefined {
  if (!policy?.rewrite || policy.rewriteRefused?.includes(name)) return undefined;
  return pathRewriteFor(match, policy.rewrite.target);
}
