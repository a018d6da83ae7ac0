/**
 * Route actions that split traffic: a backend naming a weighted split (`use-annotation`), and a main
 * route sharing its requests with its canary by weight. A Service of a split that cannot be resolved
 * is a diagnostic and gets no share (the others share by their weights); with none left, 503.
 */
import { diagnostic, type Diagnostic } from '../errors.js';
import type { RouteActionIR, RouteIR, WeightedBackendIR } from '../ir/ir-types.js';
import type { IngressEntries } from '../ingress/ingress-reader.js';
import type { IngressBackend } from '../resources/kube-types.js';
import { WEIGHTED_BACKENDS_PREFIX, type WeightedBackendSpec } from './annotations-canary.js';
import type { BackendRegistry } from './backend-registry.js';
import { USE_ANNOTATION } from './policies/weighted-backends.js';

const UNAVAILABLE: RouteActionIR = {
  kind: 'direct',
  status: 503,
  body: 'no healthy upstream: backend not found\n',
};

/** A split's action: weighted over the backends that resolve, plain forward with one, 503 with none. */
export function splitOf(backends: readonly WeightedBackendIR[]): RouteActionIR {
  const merged = new Map<string, number>();
  for (const b of backends) merged.set(b.backend, (merged.get(b.backend) ?? 0) + b.weight);
  const live = [...merged]
    .filter(([, weight]) => weight > 0)
    .map(([backend, weight]) => ({ backend, weight }));
  if (live.length === 0) return UNAVAILABLE;
  if (live.length === 1) return { kind: 'forward', backend: live[0]!.backend };
  return { kind: 'weighted', backends: live };
}

export class SplitActions {
  constructor(
    private readonly backends: BackendRegistry,
    private readonly splits: ReadonlyMap<IngressEntries, ReadonlyMap<string, readonly WeightedBackendSpec[]>>,
    private readonly diags: Diagnostic[],
  ) {}

  /**
   * The session affinity a route with `action` carries: its backend's; for a split, that of the first
   * backend that has one (Envoy hashes once per request, then each cluster's load balancer uses the hash).
   */
  routeAffinity(action: RouteActionIR): Pick<RouteIR, 'sessionAffinity'> {
    if (action.kind !== 'weighted') return this.backends.routeAffinity(action);
    for (const b of action.backends) {
      const a = this.backends.routeAffinity({ kind: 'forward', backend: b.backend });
      if (a.sessionAffinity !== undefined) return a;
    }
    return {};
  }

  /** The action of a route to `backend` of `owner`: a weighted split for `use-annotation`, else forward. */
  action(owner: IngressEntries, backend: IngressBackend, where: string): RouteActionIR {
    const svc = backend.service;
    if (svc?.port?.name !== USE_ANNOTATION || svc.port.number !== undefined)
      return this.backends.action(owner, backend, where);
    const split = this.splits.get(owner)?.get(svc.name);
    if (!split) {
      const key = `${WEIGHTED_BACKENDS_PREFIX}${svc.name}`;
      if (owner.ingress.object.metadata.annotations?.[key] === undefined)
        this.diags.push(
          diagnostic(
            'CW_E_INGRESS_BACKEND_INVALID',
            owner.diagRef,
            `${where}: port use-annotation needs the annotation ${key}; requests get 503`,
          ),
        );
      return UNAVAILABLE;
    }
    const resolved = split
      .filter((b) => b.weight > 0)
      .flatMap((b, i): WeightedBackendIR[] => {
        const port = 'number' in b.port ? { number: b.port.number } : { name: b.port.name };
        const a = this.backends.action(
          owner,
          { service: { name: b.service, port } },
          `${where}: ${WEIGHTED_BACKENDS_PREFIX}${svc.name}[${i}]`,
          'its share goes to the other backends of the split',
        );
        return a.kind === 'forward' ? [{ backend: a.backend, weight: b.weight }] : [];
      });
    return splitOf(resolved);
  }

  /** The cluster of a canary's backend (a plain Service port), or undefined (reported) when unusable. */
  canaryAction(owner: IngressEntries, backend: IngressBackend, where: string): string | undefined {
    if (backend.service?.port?.name === USE_ANNOTATION) {
      this.diags.push(
        diagnostic(
          'CW_E_INGRESS_BACKEND_INVALID',
          owner.diagRef,
          `${where}: a canary's backend must be a Service port, not a weighted split; the canary is ignored`,
        ),
      );
      return undefined;
    }
    const a = this.backends.action(owner, backend, where, 'the canary is ignored');
    return a.kind === 'forward' ? a.backend : undefined;
  }
}

/**
 * The main route's action with `weight` out of `total` of its requests sent to the canary backend:
 * a main split keeps its proportions (its weights scaled by `total - weight`, the canary's by their sum),
 * so a plain main route reads `total - weight` / `weight` (at most 10 x 1000 x 10000: within uint32).
 */
export function withCanaryWeight(
  main: RouteActionIR,
  canary: string,
  weight: number,
  total: number,
): RouteActionIR {
  if (weight === 0) return main;
  const mainBackends: readonly WeightedBackendIR[] =
    main.kind === 'forward'
      ? [{ backend: main.backend, weight: 1 }]
      : main.kind === 'weighted'
        ? main.backends
        : [];
  if (mainBackends.length === 0) return main; // a main route that does not forward keeps its answer
  const sum = mainBackends.reduce((s, b) => s + b.weight, 0);
  const scaled = [
    ...mainBackends.map((b) => ({ backend: b.backend, weight: b.weight * (total - weight) })),
    { backend: canary, weight: sum * weight },
  ];
  return splitOf(scaled);
}
