/**
 * Gateway API objects for standalone e2e tests (manifests folders): the `causeway` GatewayClass and a
 * Gateway of it pinned to a gateway group, so the test's gateway (bootstrapped for that group) serves it.
 */
export const GATEWAY_API = 'gateway.networking.k8s.io/v1';

/** The GatewayClass `causeway` (controllerName `causeway.dev/gateway`). */
export const CAUSEWAY_GATEWAY_CLASS: object = {
  apiVersion: GATEWAY_API,
  kind: 'GatewayClass',
  metadata: { name: 'causeway' },
  spec: { controllerName: 'causeway.dev/gateway' },
};

export interface GatewayOptions {
  readonly listeners: readonly object[];
  /** Default `edge`. */
  readonly name?: string;
  /** Default `default`. */
  readonly namespace?: string;
  /** The gateway group (annotation `causeway.dev/gateway-group`); default `default`. */
  readonly group?: string;
}

/** A Gateway of class `causeway` in the given gateway group. */
export function gatewayOf(o: GatewayOptions): object {
  return {
    apiVersion: GATEWAY_API,
    kind: 'Gateway',
    metadata: {
      name: o.name ?? 'edge',
      namespace: o.namespace ?? 'default',
      annotations: { 'causeway.dev/gateway-group': o.group ?? 'default' },
    },
    spec: { gatewayClassName: 'causeway', listeners: o.listeners },
  };
}
