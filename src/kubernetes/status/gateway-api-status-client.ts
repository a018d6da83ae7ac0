/**
 * The apiserver side of the Gateway API status writer: read an object's status (GET of the object: the
 * watch's RBAC rule covers it), merge-patch its `/status` on condition of a resourceVersion (field manager
 * `causeway`), and list the routes holding status entries of Causeway's (after a leadership change).
 * Through client-node's custom objects API.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { CAUSEWAY_GATEWAY_CONTROLLER, GATEWAY_API_GROUP } from '../../resources/gateway-api-types.js';
import { requestOptions } from '../client/kube-api-call.js';
import { httpStatusOf } from '../client/http-status.js';
import type { Json, StatusKind, StatusTarget } from './gateway-api-status.js';

/** An object's status as read or written, with the resourceVersion it belongs to. */
export interface StatusSnapshot {
  readonly resourceVersion: string;
  readonly status: unknown;
}

/** What the writer needs from one cluster. Errors carry the HTTP status as `code` or `statusCode`. */
export interface GatewayApiStatusClient {
  /** The object's status; undefined when it (or its kind) does not exist. */
  get(target: StatusTarget): Promise<StatusSnapshot | undefined>;
  /** Merge-patches `status` with `fields`, on condition of `resourceVersion`; returns the new snapshot. */
  patch(target: StatusTarget, resourceVersion: string, fields: Json): Promise<StatusSnapshot>;
  /**
   * The routes of the cluster whose `status.parents` hold an entry of Causeway's, with their status (a
   * kind the cluster does not serve, or may not be listed, holds none).
   */
  routesWithOurParents?(
    cluster: string,
  ): Promise<readonly (StatusSnapshot & { readonly target: StatusTarget })[]>;
}

const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'] as const;

/** Whether a raw route's status has a parent entry of Causeway's. */
function holdsOurParent(status: unknown): boolean {
  const parents = (status as { parents?: unknown } | undefined)?.parents;
  return (
    Array.isArray(parents) &&
    parents.some(
      (p) =>
        typeof p === 'object' && p !== null && (p as Json)['controllerName'] === CAUSEWAY_GATEWAY_CONTROLLER,
    )
  );
}

const PLURALS: Readonly<Record<StatusKind, string>> = {
  GatewayClass: 'gatewayclasses',
  Gateway: 'gateways',
  HTTPRoute: 'httproutes',
  GRPCRoute: 'grpcroutes',
  TLSRoute: 'tlsroutes',
  TCPRoute: 'tcproutes',
  UDPRoute: 'udproutes',
};

function snapshotOf(o: unknown): StatusSnapshot {
  const obj = (typeof o === 'object' && o !== null ? o : {}) as {
    metadata?: { resourceVersion?: string };
    status?: unknown;
  };
  return { resourceVersion: obj.metadata?.resourceVersion ?? '', status: obj.status };
}

/** Gateway API status through client-node's custom objects API (needs get on `<kind>`, patch on `<kind>/status`). */
export function kubeGatewayApiStatusClient(
  kubeConfig: KubeConfig,
  requestTimeoutMs = 10_000,
): GatewayApiStatusClient {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const base = (t: StatusTarget) => ({
    group: GATEWAY_API_GROUP,
    version: 'v1',
    plural: PLURALS[t.kind],
    name: t.name,
  });
  return {
    async get(t) {
      try {
        const o: unknown =
          t.namespace === undefined
            ? await api.getClusterCustomObject(base(t), requestOptions(requestTimeoutMs))
            : await api.getNamespacedCustomObject(
                { ...base(t), namespace: t.namespace },
                requestOptions(requestTimeoutMs),
              );
        return snapshotOf(o);
      } catch (err) {
        if (httpStatusOf(err) === 404) return undefined;
        throw err;
      }
    },
    async routesWithOurParents(cluster) {
      const out: (StatusSnapshot & { readonly target: StatusTarget })[] = [];
      for (const kind of ROUTE_KINDS) {
        let continueToken: string | undefined;
        try {
          do {
            const page = (await api.listClusterCustomObject(
              {
                group: GATEWAY_API_GROUP,
                version: 'v1',
                plural: PLURALS[kind],
                limit: 500,
                ...(continueToken ? { _continue: continueToken } : {}),
              },
              requestOptions(requestTimeoutMs),
            )) as { items?: unknown[]; metadata?: { continue?: string } };
            for (const item of page.items ?? []) {
              const snap = snapshotOf(item);
              const meta = (item as { metadata?: { name?: string; namespace?: string } }).metadata;
              if (!holdsOurParent(snap.status) || !meta?.name) continue;
              out.push({
                ...snap,
                target: { kind, cluster, namespace: meta.namespace ?? 'default', name: meta.name },
              });
            }
            continueToken = page.metadata?.continue || undefined;
          } while (continueToken);
        } catch (err) {
          const status = httpStatusOf(err);
          if (status !== 404 && status !== 403) throw err;
        }
      }
      return out;
    },
    async patch(t, resourceVersion, fields) {
      const body = { metadata: { resourceVersion }, status: fields };
      const options = setHeaderOptions(
        'Content-Type',
        PatchStrategy.MergePatch,
        requestOptions(requestTimeoutMs),
      );
      const o: unknown =
        t.namespace === undefined
          ? await api.patchClusterCustomObjectStatus({ ...base(t), body, fieldManager: 'causeway' }, options)
          : await api.patchNamespacedCustomObjectStatus(
              { ...base(t), namespace: t.namespace, body, fieldManager: 'causeway' },
              options,
            );
      return snapshotOf(o);
    },
  };
}
