/**
 * Reads one Ingress that is ours into flat, validated entries (routes, TLS hosts, default backend) and
 * diagnostics. No cross-Ingress logic here: conflicts are settled by the group builder.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';
import type { Ingress, IngressBackend, IngressClass } from '../resources/kube-types.js';
import type { Sourced } from '../resources/resource-set.js';
import type { PathMatch } from './ingress-types.js';
import {
  DEFAULT_REQUEST_TIMEOUT_SECONDS,
  GATEWAY_GROUP,
  REQUEST_TIMEOUT,
  SSL_REDIRECT,
  type AnnotationSpec,
  DEFAULT_GROUP,
  parseAnnotation,
} from './ingress-annotations.js';
import { normalizeHost, readTlsHosts } from './hosts.js';
import { normalizePath, type PathOptions } from './paths.js';

export interface RouteEntry {
  readonly name: string;
  readonly host: string;
  readonly match: PathMatch;
  readonly backend: IngressBackend;
  readonly timeoutSeconds: number;
}

export interface TlsEntry {
  /** Normalized hosts; empty = default certificate. */
  readonly hosts: readonly string[];
  readonly secretName: string;
}

export interface IngressEntries {
  readonly ingress: Sourced<Ingress>;
  readonly ref: ObjectRef;
  readonly diagRef: ObjectRef;
  readonly group: string;
  readonly sslRedirect: boolean;
  readonly routes: readonly RouteEntry[];
  readonly tls: readonly TlsEntry[];
  readonly defaultBackend?: {
    readonly name: string;
    readonly backend: IngressBackend;
    readonly timeoutSeconds: number;
  };
}

export function ingressRef(s: Sourced<Ingress>): ObjectRef {
  return {
    kind: 'Ingress',
    namespace: s.object.metadata.namespace ?? 'default',
    name: s.object.metadata.name,
  };
}

/** The reference used on diagnostics: adds where the object came from (cluster, file, document). */
export function diagnosticRef(ref: ObjectRef, origin: Sourced<Ingress>['origin']): ObjectRef {
  return {
    ...ref,
    cluster: origin.cluster,
    ...(origin.file !== undefined ? { file: origin.file, documentIndex: origin.documentIndex } : {}),
  };
}

function annotation<T>(
  spec: AnnotationSpec<T>,
  annotations: Readonly<Record<string, string>> | undefined,
  ref: ObjectRef,
  diags: Diagnostic[],
): T | undefined {
  const raw = annotations?.[spec.name];
  if (raw === undefined) return undefined;
  const r = parseAnnotation(spec, raw);
  if (r.ok) return r.value;
  diags.push(
    diagnostic('CW_E_ANNOTATION_INVALID', ref, `annotation ${spec.name}: ${r.error}; using the default`),
  );
  return undefined;
}

/**
 * The routes of an Ingress's rules, named `<base>/rule/<i>/path/<j>`. A rule with an invalid host or a path
 * that is not valid for its pathType is left out with a diagnostic; `acceptPath` lets a mode refuse more
 * (it reports its own diagnostic and returns false).
 */
export function readIngressRoutes(
  obj: Ingress,
  base: string,
  dref: ObjectRef,
  diags: Diagnostic[],
  timeoutSeconds: number,
  acceptPath: (match: PathMatch, where: string) => boolean = () => true,
  pathOptions: PathOptions = {},
): RouteEntry[] {
  const routes: RouteEntry[] = [];
  (obj.spec?.rules ?? []).forEach((rule, i) => {
    const host = normalizeHost(rule.host);
    if (!host.ok) {
      diags.push(diagnostic('CW_E_INGRESS_HOST_INVALID', dref, `rules[${i}]: ${host.error}; rule ignored`));
      return;
    }
    (rule.http?.paths ?? []).forEach((p, j) => {
      const where = `rules[${i}].http.paths[${j}]`;
      const m = normalizePath(p.pathType, p.path, pathOptions);
      if (!m.ok) {
        diags.push(diagnostic('CW_E_INGRESS_PATH_INVALID', dref, `${where}: ${m.error}; path ignored`));
        return;
      }
      if (!acceptPath(m.match, where)) return;
      routes.push({
        name: `${base}/rule/${i}/path/${j}`,
        host: host.host,
        match: m.match,
        backend: p.backend,
        timeoutSeconds,
      });
    });
  });
  return routes;
}

/**
 * One Ingress's entries; `pathOptions.regex` (gateway mode, `causeway.dev/use-regex`) reads its
 * ImplementationSpecific paths as regexes.
 */
export function readIngress(
  ingress: Sourced<Ingress>,
  cls: IngressClass,
  diags: Diagnostic[],
  pathOptions: PathOptions = {},
): IngressEntries {
  const obj = ingress.object;
  const ref = ingressRef(ingress);
  const dref = diagnosticRef(ref, ingress.origin);
  const ns = ref.namespace!;
  const base = `ingress/${ns}/${obj.metadata.name}`;
  const ann = obj.metadata.annotations;
  const classRef: ObjectRef = { kind: 'IngressClass', name: cls.metadata.name };
  const group =
    annotation(GATEWAY_GROUP, ann, dref, diags) ??
    annotation(GATEWAY_GROUP, cls.metadata.annotations, classRef, diags) ??
    DEFAULT_GROUP;
  const timeoutSeconds = annotation(REQUEST_TIMEOUT, ann, dref, diags) ?? DEFAULT_REQUEST_TIMEOUT_SECONDS;
  const sslRedirect = annotation(SSL_REDIRECT, ann, dref, diags) ?? false;

  const routes = readIngressRoutes(obj, base, dref, diags, timeoutSeconds, undefined, pathOptions);

  const tls: TlsEntry[] = [];
  (obj.spec?.tls ?? []).forEach((t, i) => {
    if (!t.secretName) {
      diags.push(
        diagnostic('CW_E_TLS_SECRET_NOT_FOUND', dref, `tls[${i}] names no secretName; entry ignored`),
      );
      return;
    }
    const hosts = readTlsHosts(t.hosts, i, dref, diags);
    if ((t.hosts ?? []).length > 0 && hosts.length === 0) return;
    tls.push({ hosts, secretName: t.secretName });
  });

  const db = obj.spec?.defaultBackend;
  if (routes.length === 0 && !db && (obj.spec?.rules ?? []).length === 0) {
    diags.push(
      diagnostic('CW_E_INGRESS_NO_RULES', dref, 'the Ingress has neither rules nor a defaultBackend'),
    );
  }
  return {
    ingress,
    ref,
    diagRef: dref,
    group,
    sslRedirect,
    routes,
    tls,
    ...(db ? { defaultBackend: { name: `${base}/default-backend`, backend: db, timeoutSeconds } } : {}),
  };
}
