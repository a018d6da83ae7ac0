/**
 * The backends (upstream Service ports) of one gateway group: resolves an Ingress backend to a route
 * action, and on first use of a Service port selects its endpoints and reads its annotations.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';
import type { BackendIR, RouteActionIR, RouteIR } from '../ir/ir-types.js';
import type { IngressBackend, Service } from '../resources/kube-types.js';
import type { ServicePortRef } from '../ingress/ingress-types.js';
import { internalErrorDiagnostic } from './internal-errors.js';
import type { ResourceSet } from '../resources/resource-set.js';
import {
  CONNECT_TIMEOUT,
  CROSS_CLUSTER,
  DEFAULT_CONNECT_TIMEOUT_SECONDS,
  HEALTH_CHECK_INTERVAL,
  HEALTH_CHECK_PATH,
  HEALTH_CHECK_TCP,
  HEALTH_CHECK_TIMEOUT,
  HEALTHY_THRESHOLD,
  OUTLIER_CONSECUTIVE_5XX,
  OUTLIER_EJECTION_TIME,
  UNHEALTHY_THRESHOLD,
} from './annotations.js';
import { readAnnotation, type AnnotationSpec } from '../ingress/ingress-annotations.js';
import { backendName, resolveBackend } from '../ingress/backends.js';
import { readBackendTransport, type BackendTransport } from './policies/backend-tls.js';
import { SecretRegistry } from './secret-registry.js';
import { selectEndpoints, type EndpointPolicy } from '../ingress/endpoints.js';
import { compareStrings } from '../ingress/ordering.js';
import type { LoadBalancingPolicyName } from './annotations-lb.js';
import { readLoadBalancing } from './policies/load-balancing.js';

/** The action of a route whose backend is refused (reported on its Service). */
const REFUSED_ACTION: RouteActionIR = {
  kind: 'direct',
  status: 503,
  body: 'no healthy upstream: backend TLS not verifiable\n',
};

function refKey(r: ObjectRef): string {
  return `${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

/** Who asks for a backend: its sources list and its diagnostics name it (an Ingress, or a TCP Service). */
export interface BackendOwner {
  readonly ref: ObjectRef;
  readonly diagRef: ObjectRef;
  /** Where the backend Service is looked up (a Gateway API backendRef's namespace); absent: `ref`'s. */
  readonly backendNamespace?: string;
}

export class BackendRegistry {
  private readonly backends = new Map<
    string,
    { readonly ir: Omit<BackendIR, 'sources'>; readonly sources: Map<string, ObjectRef> }
  >();
  /** Backends whose routes answer 503 (e.g. HTTPS without a usable CA), reported once each. */
  private readonly refused = new Set<string>();

  constructor(
    private readonly resources: ResourceSet,
    private readonly diags: Diagnostic[],
    /** The group's home cluster and the clusters' zones (the cross-cluster mode comes from each Service). */
    private readonly policy: Omit<EndpointPolicy, 'crossCluster'> = {},
    /** The group's Secrets: where backend CA certificates are looked up (and sent from). */
    private readonly secrets: SecretRegistry = new SecretRegistry(resources, diags),
    /** The group's load-balancing policy for Services that name none (config file). */
    private readonly defaultLoadBalancing?: LoadBalancingPolicyName,
  ) {}

  /** The action of a route to `backend`: forward to its cluster, or a 503 when it cannot be resolved. */
  action(
    owner: BackendOwner,
    backend: IngressBackend,
    where: string,
    consequence = 'requests get 503',
  ): RouteActionIR {
    return this.resolve(owner, backend, where, consequence, false);
  }

  /**
   * The backend of a TLS passthrough host (`causeway.dev/ssl-passthrough`): the Service port as raw TCP,
   * a `passthrough/<ns>/<name>/<port>` cluster apart from its HTTP one: no TLS of its own (the bytes
   * are the client's TLS) and an HTTP health check made a TCP connect (the endpoints speak TLS).
   */
  passthroughAction(owner: BackendOwner, backend: IngressBackend, where: string): RouteActionIR {
    return this.resolve(owner, backend, where, 'its TLS connections are closed', true);
  }

  /**
   * The backend of a UDP Service port (`causeway.dev/gateway-udp-port`), already resolved by its reader:
   * a `udp/<ns>/<name>/<port>` cluster whose endpoints are the slices' UDP ports, without TLS, health
   * checks or outlier detection (they speak TCP or HTTP). Undefined after an internal error on the Service.
   */
  udpBackend(owner: BackendOwner, service: Service, ref: ServicePortRef): string | undefined {
    const name = `udp/${ref.namespace}/${ref.name}/${ref.port}`;
    let entry = this.backends.get(name);
    if (!entry) {
      try {
        const { healthCheck: _hc, outlierDetection: _od, ...ir } = this.backendOf(name, service, ref, true)!;
        entry = { ir, sources: new Map() };
      } catch (err) {
        const svc = { kind: 'Service', namespace: ref.namespace, name: ref.name };
        this.diags.push(internalErrorDiagnostic(svc, err, 'the UDP backend Service'));
        return undefined;
      }
      this.backends.set(name, entry);
    }
    entry.sources.set(refKey(owner.ref), owner.ref);
    return name;
  }

  private resolve(
    owner: BackendOwner,
    backend: IngressBackend,
    where: string,
    consequence: string,
    raw: boolean,
  ): RouteActionIR {
    const res = resolveBackend(this.resources, owner.backendNamespace ?? owner.ref.namespace!, backend);
    if (!res.ok) {
      this.diags.push(diagnostic(res.code, owner.diagRef, `${where}: ${res.error}; ${consequence}`));
      return { kind: 'direct', status: 503, body: 'no healthy upstream: backend not found\n' };
    }
    const name = raw ? backendName(res.ref).replace(/^service\//, 'passthrough/') : backendName(res.ref);
    if (this.refused.has(name)) return REFUSED_ACTION;
    let entry = this.backends.get(name);
    if (!entry) {
      try {
        const ir = this.backendOf(name, res.service, res.ref, raw);
        if (!ir) {
          this.refused.add(name);
          return REFUSED_ACTION;
        }
        entry = { ir, sources: new Map() };
      } catch (err) {
        // A bug on this Service: its routes answer 503, the rest of the group is unaffected.
        const svc = { kind: 'Service', namespace: res.ref.namespace, name: res.ref.name };
        this.diags.push(internalErrorDiagnostic(svc, err, 'the backend Service'));
        return { kind: 'direct', status: 503, body: 'no healthy upstream: backend failed\n' };
      }
      this.backends.set(name, entry);
    }
    entry.sources.set(refKey(owner.ref), owner.ref);
    return { kind: 'forward', backend: name };
  }

  /** A Service port's backend: its endpoints selected, its annotations read; undefined when refused. */
  private backendOf(
    name: string,
    service: Service,
    ref: ServicePortRef,
    raw = false,
  ): Omit<BackendIR, 'sources'> | undefined {
    const transport: BackendTransport = raw
      ? { ok: true, protocol: 'http1' }
      : readBackendTransport(
          service,
          ref,
          (secret, svc) => this.secrets.useTrustedCa(secret, svc),
          this.diags,
        );
    if (!transport.ok) return undefined;
    const annotations = service.metadata.annotations;
    const crossCluster = this.serviceAnnotation(CROSS_CLUSTER, annotations, ref) ?? 'failover';
    const sel = selectEndpoints(this.resources, ref, { ...this.policy, crossCluster });
    this.diags.push(...sel.diagnostics);
    return {
      name,
      service: ref,
      protocol: transport.protocol,
      ...(transport.tls ? { tls: transport.tls } : {}),
      connectTimeoutSeconds:
        this.serviceAnnotation(CONNECT_TIMEOUT, annotations, ref) ?? DEFAULT_CONNECT_TIMEOUT_SECONDS,
      crossCluster,
      ...this.healthChecking(annotations, ref, raw),
      ...this.loadBalancing(service, ref),
      endpoints: sel.localities,
    };
  }

  /** The Service's load-balancing policy (annotations, else the group default); absent: round robin. */
  private loadBalancing(service: Service, ref: ServicePortRef): Pick<BackendIR, 'loadBalancing'> {
    const lb = readLoadBalancing(
      { namespace: ref.namespace, name: ref.name, annotations: service.metadata.annotations },
      this.defaultLoadBalancing,
      this.diags,
    );
    return lb !== undefined ? { loadBalancing: lb } : {};
  }

  /**
   * Makes the backend `name` (in use) speak HTTP/2 to its endpoints, as a gRPC client of it needs (the
   * tracing collector's OTLP/gRPC); a backend already on HTTP/2 (GRPC, GRPCS) is unchanged.
   */
  useHttp2(name: string): void {
    const entry = this.backends.get(name);
    if (entry && entry.ir.protocol !== 'http2')
      this.backends.set(name, { ...entry, ir: { ...entry.ir, protocol: 'http2' } });
  }

  /** The session affinity a route forwarding with `action` carries (its backend's hash policy). */
  routeAffinity(action: RouteActionIR): Pick<RouteIR, 'sessionAffinity'> {
    if (action.kind !== 'forward') return {};
    const affinity = this.backends.get(action.backend)?.ir.loadBalancing?.affinity;
    return affinity !== undefined ? { sessionAffinity: affinity } : {};
  }

  /** Every backend used, sorted by name, each with the Ingresses that use it. */
  list(): BackendIR[] {
    return [...this.backends.values()]
      .map((e) => ({
        ...e.ir,
        sources: [...e.sources.values()].sort((x, y) => compareStrings(refKey(x), refKey(y))),
      }))
      .sort((x, y) => compareStrings(x.name, y.name));
  }

  /** Active health check and outlier detection from the Service's annotations (absent when not asked). */
  private healthChecking(
    annotations: Readonly<Record<string, string>> | undefined,
    svc: { readonly namespace: string; readonly name: string },
    tcpOnly = false,
  ): Pick<BackendIR, 'healthCheck' | 'outlierDetection'> {
    const get = <T>(spec: AnnotationSpec<T>): T | undefined => this.serviceAnnotation(spec, annotations, svc);
    const path = get(HEALTH_CHECK_PATH);
    const tcp = get(HEALTH_CHECK_TCP) ?? false;
    const timing = {
      intervalSeconds: get(HEALTH_CHECK_INTERVAL) ?? 10,
      timeoutSeconds: get(HEALTH_CHECK_TIMEOUT) ?? 2,
      healthyThreshold: get(HEALTHY_THRESHOLD) ?? 2,
      unhealthyThreshold: get(UNHEALTHY_THRESHOLD) ?? 3,
    };
    const consecutive5xx = get(OUTLIER_CONSECUTIVE_5XX);
    const baseEjectionSeconds = get(OUTLIER_EJECTION_TIME) ?? 30;
    return {
      ...(path !== undefined && !tcpOnly
        ? { healthCheck: { kind: 'http' as const, path, ...timing } }
        : tcp || path !== undefined
          ? { healthCheck: { kind: 'tcp' as const, ...timing } }
          : {}),
      ...(consecutive5xx !== undefined ? { outlierDetection: { consecutive5xx, baseEjectionSeconds } } : {}),
    };
  }

  /** A Service annotation's value; a bad value is a diagnostic on the Service and undefined. */
  private serviceAnnotation<T>(
    spec: AnnotationSpec<T>,
    annotations: Readonly<Record<string, string>> | undefined,
    svc: { readonly namespace: string; readonly name: string },
  ): T | undefined {
    const ref = { kind: 'Service', namespace: svc.namespace, name: svc.name };
    return readAnnotation(spec, annotations, ref, this.diags);
  }
}
