/**
 * Reads one ALB Ingress: its `alb.causeway.dev/*` annotations (validated against the catalog) and its
 * routes, TLS hosts and default backend with the same host and path semantics as gateway mode (the
 * shared `readIngressRoutes`, `readTlsHosts`). No cross-Ingress logic here: group settings and conflicts are
 * settled by the group builder. An Ingress whose exposure-shaping annotation is bad, or that asks for
 * access control only gateways enforce (alb-gateway-only-annotations.ts), comes back with `excluded` set
 * (its diagnostic already pushed).
 */
import { parseAnnotation } from '../../ingress/ingress-annotations.js';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../errors.js';
import type { Ingress } from '../../resources/kube-types.js';
import type { Sourced } from '../../resources/resource-set.js';
import { readTlsHosts } from '../../ingress/hosts.js';
import type { PathMatch } from '../../ingress/ingress-types.js';
import {
  diagnosticRef,
  ingressRef,
  readIngressRoutes,
  type IngressEntries,
} from '../../ingress/ingress-reader.js';
import type { AlbAnnotationSpec, ForwardActionAnnotation, ListenPort } from './alb-annotation-parsers.js';
import { ALB_ANNOTATIONS, GROUP_SETTINGS } from './alb-annotations.js';
import { refusesGatewayOnlyAccess } from './alb-gateway-only-annotations.js';
import {
  ACTION,
  ACTIONS_PREFIX,
  CERTIFICATE_ARN,
  GROUP_NAME,
  GROUP_ORDER,
  LISTEN_PORTS,
} from './alb-ingress-annotations.js';

/** ALB path patterns are at most 128 characters (a Prefix adds `/*`). */
const MAX_PATTERN = 128;

export interface AlbIngress {
  /** Routes and default backend in the form the shared claim logic (group-claims.ts) takes. */
  readonly entries: IngressEntries;
  readonly group: string;
  readonly order: number;
  /** Group settings this Ingress sets explicitly: annotation name -> parsed value. */
  readonly groupSettings: ReadonlyMap<string, unknown>;
  readonly listenPorts: readonly ListenPort[];
  /** Annotated certificate ARNs, in the order given. */
  readonly certificateArns: readonly string[];
  /** Normalized `spec.tls[].hosts` (certificates are discovered for them when none is annotated). */
  readonly tlsHosts: readonly string[];
  /** `actions.<name>` annotations: the parsed action, or the error text. */
  readonly actions: ReadonlyMap<string, ForwardActionAnnotation | { readonly error: string }>;
  /** True when a bad annotation leaves the Ingress out of its group. */
  readonly excluded: boolean;
}

/** A parsed annotation: undefined when absent; a bad value is a diagnostic (and `bad` is set). */
function read<T>(
  spec: AlbAnnotationSpec<T>,
  annotations: Readonly<Record<string, string>> | undefined,
  ref: ObjectRef,
  diags: Diagnostic[],
): { value?: T; bad: boolean } {
  const raw = annotations?.[spec.name];
  if (raw === undefined) return { bad: false };
  const r = parseAnnotation(spec, raw);
  if (r.ok) return { value: r.value, bad: false };
  const consequence =
    spec.onInvalid === 'exclude' ? 'the Ingress is left out of its ALB group' : 'using the default';
  diags.push(
    diagnostic('CW_E_ALB_ANNOTATION_INVALID', ref, `annotation ${spec.name}: ${r.error}; ${consequence}`),
  );
  return { bad: true };
}

/** The IngressGroup of an Ingress: its group.name, else `<namespace>/<name>` (undefined when the name is bad). */
export function readGroupName(ingress: Sourced<Ingress>, diags: Diagnostic[]): string | undefined {
  const ref = ingressRef(ingress);
  const g = read(GROUP_NAME, ingress.object.metadata.annotations, diagnosticRef(ref, ingress.origin), diags);
  if (g.bad) return undefined;
  return g.value ?? `${ref.namespace}/${ref.name}`;
}

/** `actions.<name>` annotations: the parsed action, or the error text. */
function readActions(
  ann: Readonly<Record<string, string>> | undefined,
): Map<string, ForwardActionAnnotation | { readonly error: string }> {
  const actions = new Map<string, ForwardActionAnnotation | { readonly error: string }>();
  for (const [key, raw] of Object.entries(ann ?? {})) {
    if (!key.startsWith(ACTIONS_PREFIX)) continue;
    const r = parseAnnotation(ACTION, raw);
    actions.set(key.slice(ACTIONS_PREFIX.length), r.ok ? r.value : { error: r.error });
  }
  return actions;
}

/** A diagnostic for every `alb.causeway.dev/*` annotation that is not in the catalog. */
function reportUnknownAnnotations(
  ann: Readonly<Record<string, string>> | undefined,
  dref: ObjectRef,
  diags: Diagnostic[],
): void {
  for (const key of Object.keys(ann ?? {})) {
    if (key.startsWith('alb.causeway.dev/') && !key.startsWith(ACTIONS_PREFIX)) {
      if (!ALB_ANNOTATIONS.some((a) => a.name === key))
        diags.push(
          diagnostic(
            'CW_E_ALB_ANNOTATION_INVALID',
            dref,
            `annotation ${key} is not an ALB annotation; ignored`,
          ),
        );
    }
  }
}

/**
 * An ALB path pattern reads `*` as a wildcard and holds at most 128 characters (`/foo` also needs
 * `/foo/*`): a path that breaks either is refused with a diagnostic.
 */
function acceptAlbPath(match: PathMatch, where: string, dref: ObjectRef, diags: Diagnostic[]): boolean {
  const path = match.path;
  const longest = match.kind === 'prefix' && path !== '/' ? path.length + 2 : path.length;
  if (!path.includes('*') && longest <= MAX_PATTERN) return true;
  const why = path.includes('*')
    ? `path "${path}" holds "*", which an ALB path pattern reads as a wildcard`
    : `path "${path.slice(0, 40)}..." is longer than an ALB path pattern (128 characters)`;
  diags.push(diagnostic('CW_E_ALB_PATH_UNSUPPORTED', dref, `${where}: ${why}; path ignored`));
  return false;
}

export function readAlbIngress(ingress: Sourced<Ingress>, group: string, diags: Diagnostic[]): AlbIngress {
  const obj = ingress.object;
  const ref = ingressRef(ingress);
  const dref = diagnosticRef(ref, ingress.origin);
  const ann = obj.metadata.annotations;
  let excluded = false;
  const get = <T>(spec: AlbAnnotationSpec<T>): T | undefined => {
    const r = read(spec, ann, dref, diags);
    if (r.bad && spec.onInvalid === 'exclude') excluded = true;
    return r.value;
  };

  const order = get(GROUP_ORDER) ?? 0;
  const groupSettings = new Map<string, unknown>();
  for (const spec of GROUP_SETTINGS) {
    const v = get(spec);
    if (v !== undefined) groupSettings.set(spec.name, v);
  }
  const certificateArns = get(CERTIFICATE_ARN) ?? [];

  const tlsHosts = (obj.spec?.tls ?? []).flatMap((t, i) => readTlsHosts(t.hosts, i, dref, diags));
  const hasTls = (obj.spec?.tls ?? []).length > 0 || certificateArns.length > 0;
  const listenPorts = get(LISTEN_PORTS) ?? [
    { protocol: 'HTTP' as const, port: 80 },
    ...(hasTls ? [{ protocol: 'HTTPS' as const, port: 443 }] : []),
  ];

  const actions = readActions(ann);
  reportUnknownAnnotations(ann, dref, diags);
  if (refusesGatewayOnlyAccess(ann, dref, diags)) excluded = true;

  const base = `ingress/${ref.namespace}/${obj.metadata.name}`;
  const routes = readIngressRoutes(obj, base, dref, diags, 0, (match, where) =>
    acceptAlbPath(match, where, dref, diags),
  );

  const db = obj.spec?.defaultBackend;
  if (routes.length === 0 && !db && (obj.spec?.rules ?? []).length === 0) {
    diags.push(
      diagnostic('CW_E_INGRESS_NO_RULES', dref, 'the Ingress has neither rules nor a defaultBackend'),
    );
  }
  const entries: IngressEntries = {
    ingress,
    ref,
    diagRef: dref,
    group,
    sslRedirect: false,
    routes,
    tls: [],
    ...(db ? { defaultBackend: { name: `${base}/default-backend`, backend: db, timeoutSeconds: 0 } } : {}),
  };
  return {
    entries,
    group,
    order,
    groupSettings,
    listenPorts,
    certificateArns,
    tlsHosts: [...new Set(tlsHosts)],
    actions,
    excluded,
  };
}
