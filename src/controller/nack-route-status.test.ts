/** Gateway rejections on the routes' parent status (nack-route-status.ts). */
import type { GatewayApiStatus, StatusCondition } from '../gateway-api/status-model.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { GATEWAY_CONFIG_ACCEPTED, withRouteRejections } from './nack-route-status.js';
import type { RejectedObject, Rejection } from './nack-state.js';

const accepted: StatusCondition = {
  type: 'Accepted',
  status: 'True',
  reason: 'Accepted',
  message: 'accepted',
  observedGeneration: 4,
};

const gateway = (key: string, group: string) => ({
  key,
  cluster: 'c1',
  group,
  conditions: [],
  listeners: [],
});

/** HTTPRoute shop/web attached to Gateway infra/edge (group edge) and infra/internal (group inner). */
const STATUS: GatewayApiStatus = {
  gatewayClasses: [],
  gateways: [gateway('infra/edge', 'edge'), gateway('infra/internal', 'inner')],
  routes: [
    {
      kind: 'HTTPRoute',
      key: 'shop/web',
      cluster: 'c1',
      parents: [
        { parentRef: { name: 'edge', namespace: 'infra' }, conditions: [accepted] },
        { parentRef: { name: 'internal', namespace: 'infra' }, conditions: [accepted] },
      ],
    },
    {
      kind: 'HTTPRoute',
      key: 'shop/api',
      cluster: 'c1',
      parents: [{ parentRef: { name: 'edge', namespace: 'infra' }, conditions: [accepted] }],
    },
  ],
};

function rejection(group: string, message: string): Rejection {
  return {
    node: `gw-${group}-1`,
    group,
    typeUrl: RESOURCE_TYPES.listener,
    version: '7',
    message,
    resources: [
      {
        typeUrl: RESOURCE_TYPES.listener,
        name: 'http-8080',
        objects: [{ kind: 'HTTPRoute', cluster: 'c1', namespace: 'shop', name: 'web' }],
      },
    ],
    objects: [{ kind: 'HTTPRoute', cluster: 'c1', namespace: 'shop', name: 'web' }],
    at: 1,
  };
}

const webRejected = (r: Rejection): RejectedObject => ({
  object: { kind: 'HTTPRoute', cluster: 'c1', namespace: 'shop', name: 'web' },
  rejections: [r],
});

describe('withRouteRejections', () => {
  test('no rejected route: the very same status object', () => {
    const ingressOnly: RejectedObject = {
      object: { kind: 'Ingress', cluster: 'c1', namespace: 'shop', name: 'web' },
      rejections: [rejection('edge', 'x')],
    };
    expect(withRouteRejections(STATUS, [])).toBe(STATUS);
    expect(withRouteRejections(STATUS, [ingressOnly])).toBe(STATUS);
  });

  test("only the parent whose Gateway's group rejected gets the condition, with the message", () => {
    const out = withRouteRejections(STATUS, [webRejected(rejection('edge', 'cannot bind 0.0.0.0:8080'))]);
    const [web, api] = out.routes;
    expect(web!.parents[0]!.conditions).toEqual([
      accepted,
      {
        type: GATEWAY_CONFIG_ACCEPTED,
        status: 'False',
        reason: 'Rejected',
        message: 'gateway gw-edge-1 (group edge) rejected Listener http-8080: cannot bind 0.0.0.0:8080',
        observedGeneration: 4,
      },
    ]);
    // The other Gateway's group took it; the other route was not rejected.
    expect(web!.parents[1]!.conditions).toEqual([accepted]);
    expect(api).toBe(STATUS.routes[1]);
  });

  test('a ref without a cluster (as the xDS source map has them) stands for the route in every cluster', () => {
    const anyCluster: RejectedObject = {
      object: { kind: 'HTTPRoute', namespace: 'shop', name: 'web' },
      rejections: [rejection('edge', 'x')],
    };
    const out = withRouteRejections(STATUS, [anyCluster]);
    expect(out.routes[0]!.parents[0]!.conditions.map((c) => c.type)).toEqual([
      'Accepted',
      GATEWAY_CONFIG_ACCEPTED,
    ]);
  });

  test('a route of another cluster with the same name is left alone', () => {
    const other: RejectedObject = {
      object: { kind: 'HTTPRoute', cluster: 'c2', namespace: 'shop', name: 'web' },
      rejections: [rejection('edge', 'x')],
    };
    expect(withRouteRejections(STATUS, [other]).routes).toEqual(STATUS.routes);
  });

  test('a long Envoy error is cut to a bounded message', () => {
    const out = withRouteRejections(STATUS, [webRejected(rejection('edge', 'e'.repeat(10_000)))]);
    const condition = out.routes[0]!.parents[0]!.conditions[1]!;
    expect(condition.message.length).toBe(4096);
    expect(condition.message.endsWith('...')).toBe(true);
  });
});
