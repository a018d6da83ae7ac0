/**
 * The protocol a gateway speaks to one Service port's endpoints, and for HTTPS and GRPCS how it
 * verifies them (issue 12, item 7). Read once per backend (Service port) of a group; pure apart from
 * the diagnostics it appends and the CA lookup it is given.
 *
 * Precedence: the Service's `causeway.dev/backend-protocol`, else the port's `appProtocol` (the values
 * in APP_PROTOCOLS), else HTTP. HTTPS and GRPCS verify the backend's certificate against the CA of
 * `causeway.dev/backend-tls-ca-secret` and the DNS name sent as SNI (`causeway.dev/backend-tls-sni`,
 * default `<service>.<namespace>.svc`), unless `causeway.dev/backend-tls-verify: "false"` turns that off
 * (a warning on every translation). Without a CA and without that explicit skip, or with a CA Secret
 * that cannot be used, the backend is refused: its routes answer 503 (never silently unverified).
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../../errors.js';
import type { BackendTlsIR } from '../../ir/ir-types.js';
import type { Service } from '../../resources/kube-types.js';
import type { IngressEntries } from '../../ingress/ingress-reader.js';
import { readAnnotation, type AnnotationSpec } from '../../ingress/ingress-annotations.js';
import {
  BACKEND_PROTOCOL,
  BACKEND_TLS_CA_SECRET,
  BACKEND_TLS_SNI,
  BACKEND_TLS_VERIFY,
  parseDnsName,
  type BackendProtocol,
} from './backend-tls-annotations.js';

/** The `appProtocol` values understood (lowercased); any other value means HTTP. */
export const APP_PROTOCOLS: ReadonlyMap<string, BackendProtocol> = new Map([
  ['http', 'HTTP'],
  ['kubernetes.io/ws', 'HTTP'],
  ['https', 'HTTPS'],
  ['kubernetes.io/wss', 'HTTPS'],
  ['h2c', 'H2C'],
  ['kubernetes.io/h2c', 'H2C'],
  ['grpc', 'GRPC'],
]);

const TLS_PROTOCOLS: ReadonlySet<BackendProtocol> = new Set(['HTTPS', 'GRPCS']);
const HTTP2_PROTOCOLS: ReadonlySet<BackendProtocol> = new Set(['H2C', 'GRPC', 'GRPCS']);

/**
 * Looks up the CA Secret `namespace/name` for `service`: the name of its `trusted-ca` SecretIR, or
 * undefined after reporting on the Service why it cannot be used.
 */
export type TrustedCaLookup = (secret: string, service: ObjectRef) => string | undefined;

/** A backend's transport, or `ok: false` when it is refused (its routes answer 503; already reported). */
export type BackendTransport =
  | { readonly ok: true; readonly protocol: 'http1' | 'http2'; readonly tls?: BackendTlsIR }
  | { readonly ok: false };

/** What reading one Service's annotations needs. */
interface ServiceContext {
  readonly service: Service;
  readonly ref: ObjectRef & { readonly namespace: string };
  readonly diags: Diagnostic[];
}

/** An annotation of the Service; a bad value is reported on it with `consequence`, and is undefined. */
function read<T>(
  ctx: ServiceContext,
  spec: AnnotationSpec<T>,
  consequence = 'using the default',
): T | undefined {
  return readAnnotation(spec, ctx.service.metadata.annotations, ctx.ref, ctx.diags, consequence);
}

/** The protocol a port's `appProtocol` names, if one understood. */
export function appProtocolOf(appProtocol: string | undefined): BackendProtocol | undefined {
  return appProtocol === undefined ? undefined : APP_PROTOCOLS.get(appProtocol.toLowerCase());
}

/** The backend protocol of one port: the annotation, else the port's appProtocol, else HTTP. */
function protocolOf(
  ctx: ServiceContext,
  port: number,
  annotated: BackendProtocol | undefined,
): BackendProtocol {
  if (annotated !== undefined) return annotated;
  const sp = (ctx.service.spec?.ports ?? []).find((p) => p.port === port);
  return appProtocolOf(sp?.appProtocol) ?? 'HTTP';
}

const TLS_ONLY = [BACKEND_TLS_CA_SECRET, BACKEND_TLS_SNI, BACKEND_TLS_VERIFY] as const;

/** TLS annotations on a Service none of whose ports speak TLS: each reported as ignored. */
function reportUnusedTlsAnnotations(ctx: ServiceContext, annotated: BackendProtocol | undefined): void {
  const anyTls =
    annotated !== undefined
      ? TLS_PROTOCOLS.has(annotated)
      : (ctx.service.spec?.ports ?? []).some((p) =>
          TLS_PROTOCOLS.has(appProtocolOf(p.appProtocol) ?? 'HTTP'),
        );
  if (anyTls) return;
  for (const spec of TLS_ONLY.filter((s) => ctx.service.metadata.annotations?.[s.name] !== undefined))
    ctx.diags.push(
      diagnostic(
        'CW_E_ANNOTATION_INVALID',
        ctx.ref,
        `annotation ${spec.name}: the Service's backend protocol is neither HTTPS nor GRPCS; ignored`,
      ),
    );
}

/** The SNI to send: the annotation, else `<service>.<namespace>.svc` (undefined: unusable, reported). */
function sniOf(ctx: ServiceContext): string | undefined {
  const annotated = read(ctx, BACKEND_TLS_SNI);
  if (annotated !== undefined) return annotated;
  const fallback = parseDnsName(`${ctx.ref.name}.${ctx.ref.namespace}.svc`);
  if (fallback.ok) return fallback.value;
  ctx.diags.push(
    diagnostic(
      'CW_E_ANNOTATION_INVALID',
      ctx.ref,
      `annotation ${BACKEND_TLS_SNI.name}: unset, and the default ${fallback.error}; its routes answer 503`,
    ),
  );
  return undefined;
}

/** How the gateway verifies a TLS backend, or undefined when it must not be used (reported). */
function tlsOf(
  ctx: ServiceContext,
  protocol: BackendProtocol,
  useCa: TrustedCaLookup,
): BackendTlsIR | undefined {
  const sni = sniOf(ctx);
  const verify = read(ctx, BACKEND_TLS_VERIFY, 'verifying the certificate') ?? true;
  const ca = read(ctx, BACKEND_TLS_CA_SECRET, 'no CA is used');
  if (sni === undefined) return undefined;
  if (!verify) {
    const ignored = ca !== undefined ? ` (${BACKEND_TLS_CA_SECRET.name} is ignored)` : '';
    ctx.diags.push(
      diagnostic(
        'CW_E_BACKEND_TLS_UNVERIFIED',
        ctx.ref,
        `annotation ${BACKEND_TLS_VERIFY.name} is "false": gateways do not verify the ${protocol} backend's certificate${ignored}; traffic is encrypted but anyone on the path can impersonate the backend`,
      ),
    );
    return { verify: false, sni };
  }
  if (ca === undefined) {
    ctx.diags.push(
      diagnostic(
        'CW_E_BACKEND_TLS_NO_CA',
        ctx.ref,
        `backend protocol ${protocol} needs a CA to verify the backend's certificate: add ${BACKEND_TLS_CA_SECRET.name} naming a Secret with ca.crt (or ${BACKEND_TLS_VERIFY.name}: "false" to skip verification); its routes answer 503`,
      ),
    );
    return undefined;
  }
  const caSecret = useCa(`${ctx.ref.namespace}/${ca}`, ctx.ref);
  return caSecret === undefined ? undefined : { verify: true, sni, caSecret };
}

/** The transport to one port of `service` (see the top of the file). */
export function readBackendTransport(
  service: Service,
  ref: { readonly namespace: string; readonly name: string; readonly port: number },
  useCa: TrustedCaLookup,
  diags: Diagnostic[],
): BackendTransport {
  const ctx: ServiceContext = {
    service,
    ref: { kind: 'Service', namespace: ref.namespace, name: ref.name },
    diags,
  };
  const annotated = read(ctx, BACKEND_PROTOCOL, "using the port's appProtocol, else HTTP");
  const protocol = protocolOf(ctx, ref.port, annotated);
  const http = HTTP2_PROTOCOLS.has(protocol) ? 'http2' : 'http1';
  if (!TLS_PROTOCOLS.has(protocol)) {
    reportUnusedTlsAnnotations(ctx, annotated);
    return { ok: true, protocol: http };
  }
  const tls = tlsOf(ctx, protocol, useCa);
  return tls === undefined ? { ok: false } : { ok: true, protocol: http, tls };
}

/**
 * The backend annotations are read on the Service only (a Service port is one cluster, shared by every
 * Ingress routing to it). On an Ingress, where ingress-nginx users have them, each is reported as
 * ignored so that nobody believes the backend speaks TLS when it does not.
 */
export function reportBackendAnnotationsOnIngress(owner: IngressEntries, diags: Diagnostic[]): void {
  const annotations = owner.ingress.object.metadata.annotations ?? {};
  for (const spec of [BACKEND_PROTOCOL, ...TLS_ONLY].filter((s) => annotations[s.name] !== undefined))
    diags.push(
      diagnostic(
        'CW_E_ANNOTATION_INVALID',
        owner.diagRef,
        `annotation ${spec.name}: read on the backend Service, not on the Ingress; ignored (annotate the Service)`,
      ),
    );
}
