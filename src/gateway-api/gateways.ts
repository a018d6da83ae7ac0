/**
 * Which Gateways Causeway serves and how (pure): Gateways of a GatewayClass whose controllerName is
 * `causeway.dev/gateway`, each mapped onto one gateway group (gateway-group-name.ts). Two Gateways
 * naming one group: the older wins (then namespace/name), the other is not Accepted.
 */
import { CAUSEWAY_GATEWAY_CONTROLLER, type Gateway } from '../resources/gateway-api-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import { compareByAge } from '../ingress/ordering.js';
import { condition } from './conditions.js';
import { gatewayGroupOf } from './gateway-group-name.js';
import { readListeners, type ListenerStatusInput, type SecretProblem } from './listeners.js';
import type { StatusCondition } from './status-model.js';

export interface GatewayModel {
  /** `namespace/name`. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly cluster: string;
  readonly gateway: Gateway;
  /** The group it is served by (also for a Gateway that lost its group, for the status). */
  readonly group: string;
  /** Accepted: it owns its group; only then are its listeners served. */
  readonly accepted: boolean;
  readonly listeners: readonly ListenerStatusInput[];
  readonly conditions: readonly StatusCondition[];
}

/** The names of the GatewayClasses Causeway serves. */
export function ourGatewayClasses(resources: ResourceSet): Set<string> {
  const out = new Set<string>();
  for (const [name, c] of resources.gatewayApi.gatewayClasses)
    if (c.object.spec?.controllerName === CAUSEWAY_GATEWAY_CONTROLLER) out.add(name);
  return out;
}

function gatewayConditions(
  gw: Gateway,
  listeners: readonly ListenerStatusInput[],
  lost?: string,
): StatusCondition[] {
  const gen = gw.metadata.generation;
  if (lost !== undefined)
    return [
      condition('Accepted', false, 'Invalid', lost, gen),
      condition('Programmed', false, 'Invalid', lost, gen),
    ];
  const usable = listeners.filter((l) => l.model !== undefined).length;
  const allOk = usable === listeners.length;
  // The spec: a Gateway is Accepted when at least one of its listeners is.
  const anyAccepted =
    listeners.length === 0 ||
    listeners.some((l) => l.conditions.some((c) => c.type === 'Accepted' && c.status === 'True'));
  return [
    condition(
      'Accepted',
      anyAccepted,
      allOk ? 'Accepted' : 'ListenersNotValid',
      allOk ? 'Gateway accepted' : anyAccepted ? 'some listeners are not valid' : 'no listener is accepted',
      gen,
    ),
    usable > 0
      ? condition('Programmed', true, 'Programmed', 'the gateway group serves the Gateway', gen)
      : condition('Programmed', false, 'Invalid', 'no listener is valid', gen),
  ];
}

/**
 * The ports a gateway group already uses for something a listener of `protocol` cannot share: the
 * group's HTTPS port for HTTP, its HTTP port for HTTPS, its health and metrics ports (from its settings).
 */
export type ReservedPorts = (group: string, protocol?: string) => ReadonlyMap<number, string>;

/** A listener on a port its group reserves for something else: not accepted (PortUnavailable). */
function withReservedPorts(
  listeners: readonly ListenerStatusInput[],
  reserved: (protocol: string) => ReadonlyMap<number, string>,
  gen?: number,
): ListenerStatusInput[] {
  return listeners.map((l) => {
    const m = l.model ?? l.attachable;
    const use = m && reserved(m.protocol).get(m.port);
    if (!m || use === undefined || use === m.protocol) return l;
    const msg = `port ${m.port} is the gateway group's ${use} port`;
    const { model: _unused, attachable: _unusedToo, ...rest } = l;
    return {
      ...rest,
      conditions: l.conditions.map((c) =>
        c.type === 'Accepted'
          ? condition('Accepted', false, 'PortUnavailable', msg, gen)
          : c.type === 'Programmed'
            ? condition('Programmed', false, 'Invalid', msg, gen)
            : c,
      ),
    };
  });
}

/** Every Gateway of our classes, oldest first, with its group, listeners and conditions. */
export function readGateways(
  resources: ResourceSet,
  reservedPorts: ReservedPorts = () => new Map(),
  secretProblem?: SecretProblem,
): GatewayModel[] {
  const classes = ourGatewayClasses(resources);
  const ours = [...resources.gatewayApi.gateways.values()]
    .filter((g) => classes.has(g.object.spec?.gatewayClassName))
    .sort((a, b) => compareByAge(a.object, b.object));
  const owners = new Map<string, string>();
  return ours.map((s) => {
    const gw = s.object;
    const namespace = gw.metadata.namespace ?? 'default';
    const key = `${namespace}/${gw.metadata.name}`;
    const named = gatewayGroupOf({
      namespace,
      name: gw.metadata.name,
      ...(gw.metadata.annotations ? { annotations: gw.metadata.annotations } : {}),
    });
    const group = named.ok ? named.group : '';
    const owner = owners.get(group);
    if (named.ok && owner === undefined) owners.set(group, key);
    const lost = !named.ok
      ? named.error
      : owner !== undefined
        ? `gateway group "${group}" is served by the older Gateway ${owner}`
        : undefined;
    const listeners = withReservedPorts(
      readListeners(gw, resources, secretProblem),
      (protocol) => reservedPorts(group, protocol),
      gw.metadata.generation,
    );
    return {
      key,
      namespace,
      name: gw.metadata.name,
      cluster: s.origin.cluster,
      gateway: gw,
      group,
      accepted: lost === undefined,
      listeners,
      conditions: gatewayConditions(gw, listeners, lost),
    };
  });
}
