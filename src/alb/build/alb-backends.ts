/**
 * The backends of one IngressGroup in ALB mode: resolves an Ingress backend (or a weighted
 * `actions.<name>` forward) to Service ports with the shared `resolveBackend`, and on first use of a
 * Service port reads its target group settings (the Ingress that uses it first, overridden by the
 * Service's own annotations) and its targets.
 *
 * Targets: `selectEndpoints` (the one place that decides ready, else serving+terminating) gives the
 * endpoints that serve; every other IPv4 endpoint of the Service's slices is listed as `not-ready`
 * (registered: a pod behind the readiness gate is not ready until its target is healthy) or
 * `terminating` (deregistered first). The EndpointSlice targetRef gives each target's pod.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../../errors.js';
import type { ServicePortRef } from '../../ingress/ingress-types.js';
import type { IngressBackend, Service } from '../../resources/kube-types.js';
import type { ResourceSet } from '../../resources/resource-set.js';
import { parseAnnotation, type AnnotationSpec } from '../../ingress/ingress-annotations.js';
import { backendName, resolveBackend } from '../../ingress/backends.js';
import { selectEndpoints } from '../../ingress/endpoints.js';
import type { AlbAnnotationSpec } from './alb-annotation-parsers.js';
import { USE_ANNOTATION } from './alb-ingress-annotations.js';
import {
  BACKEND_PROTOCOL,
  BACKEND_PROTOCOL_VERSION,
  DEFAULT_TARGET_GROUP_ATTRIBUTES,
  HEALTHCHECK_INTERVAL,
  HEALTHCHECK_PATH,
  HEALTHCHECK_PORT,
  HEALTHCHECK_PROTOCOL,
  HEALTHCHECK_TIMEOUT,
  HEALTHY_THRESHOLD,
  SUCCESS_CODES,
  TARGET_GROUP_ATTRIBUTES,
  UNHEALTHY_THRESHOLD,
} from './alb-target-group-annotations.js';
import type { AlbIngress } from './alb-ingress-reader.js';
import type { HealthCheckSpec, TargetSpec } from '../model/alb-model.js';

/** A rule action before the group is laid out on load balancers: backends by name, not target groups. */
export type AbstractAction =
  | {
      readonly kind: 'forward';
      readonly backends: readonly { readonly backend: string; readonly weight: number }[];
    }
  | { readonly kind: 'fixed'; readonly status: '404' | '503' };

export interface AlbBackend {
  /** `service/<ns>/<name>/<port>`. */
  readonly name: string;
  readonly service: ServicePortRef;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly protocolVersion: 'HTTP1' | 'HTTP2' | 'GRPC';
  /** The target group port: the Service's numeric targetPort, else the pods' most common port. */
  readonly port: number;
  readonly healthCheck: HealthCheckSpec;
  readonly attributes: Readonly<Record<string, string>>;
  readonly targets: readonly TargetSpec[];
}

const UNAVAILABLE: AbstractAction = { kind: 'fixed', status: '503' };

export class AlbBackendRegistry {
  private readonly backends = new Map<string, AlbBackend>();

  constructor(
    private readonly resources: ResourceSet,
    private readonly diags: Diagnostic[],
  ) {}

  /** The action of a route to `backend` for `owner`: a forward, or a 503 with a diagnostic. */
  action(owner: AlbIngress, backend: IngressBackend, where: string): AbstractAction {
    const ns = owner.entries.ref.namespace!;
    const dref = owner.entries.diagRef;
    if (backend.service?.port?.name === USE_ANNOTATION) {
      const name = backend.service.name;
      const act = owner.actions.get(name);
      const fail = (why: string): AbstractAction => {
        this.diags.push(
          diagnostic('CW_E_ALB_ACTION_INVALID', dref, `${where}: action "${name}" ${why}; requests get 503`),
        );
        return UNAVAILABLE;
      };
      if (act === undefined) return fail(`has no annotation alb.causeway.dev/actions.${name}`);
      if ('error' in act) return fail(`is invalid: ${act.error}`);
      const out: { backend: string; weight: number }[] = [];
      for (const t of act.targetGroups) {
        const port = typeof t.servicePort === 'number' ? { number: t.servicePort } : { name: t.servicePort };
        const res = resolveBackend(this.resources, ns, { service: { name: t.serviceName, port } });
        if (!res.ok) return fail(`cannot use Service "${t.serviceName}": ${res.error}`);
        const b = this.use(owner, res.ref, res.service);
        const prev = out.find((o) => o.backend === b.name);
        if (prev) prev.weight += t.weight;
        else out.push({ backend: b.name, weight: t.weight });
      }
      return { kind: 'forward', backends: out.sort((a, b) => (a.backend < b.backend ? -1 : 1)) };
    }
    const res = resolveBackend(this.resources, ns, backend);
    if (!res.ok) {
      this.diags.push(diagnostic(res.code, dref, `${where}: ${res.error}; requests get 503`));
      return UNAVAILABLE;
    }
    return {
      kind: 'forward',
      backends: [{ backend: this.use(owner, res.ref, res.service).name, weight: 1 }],
    };
  }

  get(name: string): AlbBackend {
    const b = this.backends.get(name);
    if (!b) throw new Error(`backend ${name} was never resolved`);
    return b;
  }

  private use(owner: AlbIngress, ref: ServicePortRef, service: Service): AlbBackend {
    const name = backendName(ref);
    const known = this.backends.get(name);
    if (known) return known;
    const svcRef: ObjectRef = { kind: 'Service', namespace: ref.namespace, name: ref.name };
    const setting = <T>(spec: AlbAnnotationSpec<T>): T | undefined =>
      this.annotation(spec, service.metadata.annotations, svcRef) ??
      this.annotation(spec, owner.entries.ingress.object.metadata.annotations, owner.entries.diagRef);
    let interval = setting(HEALTHCHECK_INTERVAL) ?? 15;
    let timeout = setting(HEALTHCHECK_TIMEOUT) ?? 5;
    if (timeout >= interval) {
      this.diags.push(
        diagnostic(
          'CW_E_ALB_ANNOTATION_INVALID',
          owner.entries.diagRef,
          `Service ${ref.namespace}/${ref.name}: health check timeout ${timeout}s is not less than the interval ${interval}s; using 15s and 5s`,
        ),
      );
      interval = 15;
      timeout = 5;
    }
    const targets = this.targets(ref);
    const b: AlbBackend = {
      name,
      service: ref,
      protocol: setting(BACKEND_PROTOCOL) ?? 'HTTP',
      protocolVersion: setting(BACKEND_PROTOCOL_VERSION) ?? 'HTTP1',
      port: targetGroupPort(service, ref, targets),
      healthCheck: {
        protocol: setting(HEALTHCHECK_PROTOCOL) ?? 'HTTP',
        port: setting(HEALTHCHECK_PORT) ?? 'traffic-port',
        path: setting(HEALTHCHECK_PATH) ?? '/',
        intervalSeconds: interval,
        timeoutSeconds: timeout,
        healthyThresholdCount: setting(HEALTHY_THRESHOLD) ?? 2,
        unhealthyThresholdCount: setting(UNHEALTHY_THRESHOLD) ?? 2,
        successCodes: setting(SUCCESS_CODES) ?? '200',
      },
      attributes: { ...DEFAULT_TARGET_GROUP_ATTRIBUTES, ...(setting(TARGET_GROUP_ATTRIBUTES) ?? {}) },
      targets,
    };
    this.backends.set(name, b);
    return b;
  }

  private targets(ref: ServicePortRef): TargetSpec[] {
    const sel = selectEndpoints(this.resources, ref);
    this.diags.push(...sel.diagnostics);
    const out = new Map<string, TargetSpec>();
    const pods = new Map<string, { pod?: ObjectRef; terminating: boolean }>();
    for (const { object: slice } of this.resources.endpointSlices.get(`${ref.namespace}/${ref.name}`) ?? []) {
      if (slice.addressType !== 'IPv4') continue;
      const port = (slice.ports ?? []).find((p) => (p.name ?? '') === ref.portName)?.port;
      if (port === undefined) continue;
      for (const e of slice.endpoints ?? []) {
        const address = e.addresses[0];
        if (address === undefined) continue;
        const t = e.targetRef;
        const pod =
          t?.kind === 'Pod' && t.name
            ? {
                kind: 'Pod',
                namespace: t.namespace ?? slice.metadata.namespace ?? ref.namespace,
                name: t.name,
              }
            : undefined;
        pods.set(`${address}|${port}`, {
          ...(pod ? { pod } : {}),
          terminating: e.conditions?.terminating === true,
        });
      }
    }
    for (const loc of sel.localities) {
      for (const e of loc.endpoints) {
        const key = `${e.address}|${e.port}`;
        if (!pods.has(key)) continue; // IPv6 endpoints: the target groups are IPv4
        const pod = pods.get(key)?.pod;
        const state = e.state === 'ready' ? 'ready' : 'serving-terminating';
        out.set(key, { id: e.address, port: e.port, state, ...(pod ? { pod } : {}) });
      }
    }
    for (const [key, p] of pods) {
      if (out.has(key)) continue;
      const [id, port] = key.split('|') as [string, string];
      out.set(key, {
        id,
        port: Number(port),
        state: p.terminating ? 'terminating' : 'not-ready',
        ...(p.pod ? { pod: p.pod } : {}),
      });
    }
    return [...out.values()].sort((a, b) => (a.id !== b.id ? (a.id < b.id ? -1 : 1) : a.port - b.port));
  }

  /** A Service or Ingress annotation; a bad value is a diagnostic on that object and undefined. */
  private annotation<T>(
    spec: AnnotationSpec<T>,
    annotations: Readonly<Record<string, string>> | undefined,
    ref: ObjectRef,
  ): T | undefined {
    const raw = annotations?.[spec.name];
    if (raw === undefined) return undefined;
    const r = parseAnnotation(spec, raw);
    if (r.ok) return r.value;
    this.diags.push(
      diagnostic(
        'CW_E_ALB_ANNOTATION_INVALID',
        ref,
        `annotation ${spec.name}: ${r.error}; using the default`,
      ),
    );
    return undefined;
  }
}

function targetGroupPort(service: Service, ref: ServicePortRef, targets: readonly TargetSpec[]): number {
  const sp = (service.spec?.ports ?? []).find((p) => p.port === ref.port);
  if (typeof sp?.targetPort === 'number') return sp.targetPort;
  const counts = new Map<number, number>();
  for (const t of targets) counts.set(t.port, (counts.get(t.port) ?? 0) + 1);
  const best = [...counts].sort(([pa, ca], [pb, cb]) => cb - ca || pa - pb)[0];
  return best?.[0] ?? ref.port;
}
