import type { GatewayApiStatus, StatusCondition } from '../../gateway-api/status-model.js';
import { captureLogger, waitFor } from '../testdata/test-helpers.js';
import {
  desiredGatewayApiStatuses,
  gatewayAddresses,
  mergeConditions,
  statusPatch,
  targetKey,
  type Json,
  type StatusTarget,
} from './gateway-api-status.js';
import type { GatewayApiStatusClient, StatusSnapshot } from './gateway-api-status-client.js';
import { GatewayApiStatusWriter } from './gateway-api-status-writer.js';
import { KubeApiError } from '../client/kube-transport.js';

const T0 = '2026-01-01T00:00:00Z';
const NOW = '2026-02-02T02:02:02Z';
const accepted = (status: 'True' | 'False' = 'True', reason = 'Accepted'): StatusCondition => ({
  type: 'Accepted',
  status,
  reason,
  message: 'm',
  observedGeneration: 2,
});

const MODEL: GatewayApiStatus = {
  gatewayClasses: [{ name: 'causeway', cluster: 'east', conditions: [accepted()] }],
  gateways: [
    {
      key: 'infra/edge',
      cluster: 'east',
      group: 'default',
      conditions: [accepted(), { type: 'Programmed', status: 'True', reason: 'Programmed', message: '' }],
      listeners: [
        {
          name: 'http',
          supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
          attachedRoutes: 2,
          conditions: [accepted()],
        },
      ],
    },
  ],
  routes: [
    {
      kind: 'HTTPRoute',
      key: 'shop/web',
      cluster: 'east',
      parents: [
        {
          parentRef: { name: 'edge', namespace: 'infra' },
          conditions: [
            accepted(),
            { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: '' },
          ],
        },
      ],
    },
  ],
};

describe('merging (pure)', () => {
  test('lastTransitionTime is kept when a condition keeps its status, and is now when it changes', () => {
    const current = [
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'old', lastTransitionTime: T0 },
      { type: 'example.io/Checked', status: 'True', reason: 'Fine', message: '', lastTransitionTime: T0 },
      { type: 'Programmed', status: 'False', reason: 'Pending', message: '', lastTransitionTime: T0 },
    ];
    const merged = mergeConditions(
      current,
      [accepted(), { type: 'Programmed', status: 'True', reason: 'Programmed', message: '' }],
      NOW,
    );
    expect(merged).toEqual([
      {
        type: 'Accepted',
        status: 'True',
        observedGeneration: 2,
        lastTransitionTime: T0,
        reason: 'Accepted',
        message: 'm',
      },
      current[1], // another party's condition: kept, in place
      { type: 'Programmed', status: 'True', lastTransitionTime: NOW, reason: 'Programmed', message: '' },
    ]);
  });

  test("a condition of Causeway's own domain the model no longer has goes; another party's stays", () => {
    const current = [
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'm', lastTransitionTime: T0 },
      { type: 'causeway.dev/GatewayConfigAccepted', status: 'False', reason: 'Rejected', message: 'x' },
      { type: 'example.io/Checked', status: 'True', reason: 'Fine', message: '', lastTransitionTime: T0 },
    ];
    const merged = mergeConditions(current, [accepted()], NOW);
    expect(merged.map((c) => c['type'])).toEqual(['Accepted', 'example.io/Checked']);
  });

  test("a route's parents of other controllers are kept; ours replaced, and removed when the parent goes", () => {
    const other = {
      parentRef: { name: 'edge', namespace: 'infra' },
      controllerName: 'example.com/other',
      conditions: [],
    };
    const oursOld = {
      parentRef: { name: 'old-gw', namespace: 'infra' },
      controllerName: 'causeway.dev/gateway',
      conditions: [
        { type: 'Accepted', status: 'True', reason: 'Accepted', message: '', lastTransitionTime: T0 },
      ],
    };
    const oursKept = {
      parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'infra' },
      controllerName: 'causeway.dev/gateway',
      conditions: [
        { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'm', lastTransitionTime: T0 },
      ],
    };
    const [desired] = desiredGatewayApiStatuses({ ...MODEL, gatewayClasses: [], gateways: [] }, new Map());
    const patch = statusPatch(desired!, { parents: [other, oursOld, oursKept] }, NOW);
    expect(patch).toEqual({
      parents: [
        other,
        {
          parentRef: { name: 'edge', namespace: 'infra' },
          controllerName: 'causeway.dev/gateway',
          conditions: [
            // Same parent (defaults applied when comparing): its Accepted time is kept.
            {
              type: 'Accepted',
              status: 'True',
              observedGeneration: 2,
              lastTransitionTime: T0,
              reason: 'Accepted',
              message: 'm',
            },
            {
              type: 'ResolvedRefs',
              status: 'True',
              lastTransitionTime: NOW,
              reason: 'ResolvedRefs',
              message: '',
            },
          ],
        },
      ],
    });
    // A route that leaves the model: only the other controller's entry stays.
    expect(statusPatch({ target: desired!.target, parents: [] }, { parents: [other, oursOld] }, NOW)).toEqual(
      { parents: [other] },
    );
  });

  test('an unchanged status gives no patch (key order of the apiserver does not matter)', () => {
    const [cls] = desiredGatewayApiStatuses(MODEL, new Map());
    const first = statusPatch(cls!, undefined, T0)!;
    const reordered = {
      conditions: (first['conditions'] as Json[]).map((c) => Object.fromEntries(Object.entries(c).reverse())),
    };
    expect(statusPatch(cls!, reordered, NOW)).toBeUndefined();
  });

  test("a Gateway's status: conditions, listeners with their conditions, addresses from its group", () => {
    const [, gw] = desiredGatewayApiStatuses(
      MODEL,
      new Map([['default', ['gw.example.com', '10.0.0.2', '10.0.0.10']]]),
    );
    expect(statusPatch(gw!, undefined, NOW)).toEqual({
      conditions: [
        {
          type: 'Accepted',
          status: 'True',
          observedGeneration: 2,
          lastTransitionTime: NOW,
          reason: 'Accepted',
          message: 'm',
        },
        { type: 'Programmed', status: 'True', lastTransitionTime: NOW, reason: 'Programmed', message: '' },
      ],
      listeners: [
        {
          name: 'http',
          supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
          attachedRoutes: 2,
          conditions: [
            {
              type: 'Accepted',
              status: 'True',
              observedGeneration: 2,
              lastTransitionTime: NOW,
              reason: 'Accepted',
              message: 'm',
            },
          ],
        },
      ],
      addresses: [
        { type: 'IPAddress', value: '10.0.0.2' },
        { type: 'IPAddress', value: '10.0.0.10' },
        { type: 'Hostname', value: 'gw.example.com' },
      ],
    });
    // Addresses not known yet: the field is not written at all.
    const [, unknown] = desiredGatewayApiStatuses(MODEL, new Map());
    expect(statusPatch(unknown!, undefined, NOW)).not.toHaveProperty('addresses');
    expect(gatewayAddresses(['[::1]'])).toEqual([{ type: 'IPAddress', value: '::1' }]);
  });
});

// ---------------------------------------------------------------------------------------------------
// The writer, against a fake cluster

class FakeStatusCluster implements GatewayApiStatusClient {
  readonly objects = new Map<string, { rv: number; status: unknown }>();
  readonly patches: { key: string; rv: string; fields: Json }[] = [];
  gets = 0;
  /** Before answering the next patch, another party writes this status (a conflict). */
  interloper: unknown;

  put(t: StatusTarget, status: unknown = {}): void {
    this.objects.set(targetKey(t), { rv: 1, status });
  }
  get(t: StatusTarget): Promise<StatusSnapshot | undefined> {
    this.gets++;
    const o = this.objects.get(targetKey(t));
    return Promise.resolve(o && { resourceVersion: String(o.rv), status: o.status });
  }
  patch(t: StatusTarget, rv: string, fields: Json): Promise<StatusSnapshot> {
    const key = targetKey(t);
    const o = this.objects.get(key);
    if (!o) return Promise.reject(new KubeApiError(404, 'not found'));
    if (this.interloper !== undefined) {
      o.status = this.interloper;
      o.rv++;
      this.interloper = undefined;
    }
    if (String(o.rv) !== rv) return Promise.reject(new KubeApiError(409, 'conflict'));
    this.patches.push({ key, rv, fields });
    o.status = { ...(o.status as Json), ...fields };
    o.rv++;
    return Promise.resolve({ resourceVersion: String(o.rv), status: o.status });
  }
}

const CLASS: StatusTarget = { kind: 'GatewayClass', cluster: 'east', name: 'causeway' };
const GATEWAY: StatusTarget = { kind: 'Gateway', cluster: 'east', namespace: 'infra', name: 'edge' };
const ROUTE: StatusTarget = { kind: 'HTTPRoute', cluster: 'east', namespace: 'shop', name: 'web' };

function writer(cluster: FakeStatusCluster, leader = { value: true }) {
  return new GatewayApiStatusWriter({
    clientFor: (c) => (c === 'east' ? cluster : undefined),
    groupAddresses: () => new Map([['default', ['10.0.0.1']]]),
    isLeader: () => leader.value,
    logger: captureLogger().logger,
    now: () => new Date(NOW),
    sleep: () => Promise.resolve(),
    random: () => 0.5,
  });
}

describe('GatewayApiStatusWriter', () => {
  test('writes every changed status once; an unchanged model writes nothing and reads nothing', async () => {
    const c = new FakeStatusCluster();
    for (const t of [CLASS, GATEWAY, ROUTE]) c.put(t);
    const w = writer(c);
    expect(await w.sync(MODEL)).toEqual({ written: 3, unchanged: 0, failed: 0 });
    expect(c.patches.map((p) => [p.key, p.rv])).toEqual([
      ['east/GatewayClass//causeway', '1'],
      ['east/Gateway/infra/edge', '1'],
      ['east/HTTPRoute/shop/web', '1'],
    ]);
    const gets = c.gets;
    expect(await w.sync(MODEL)).toEqual({ written: 0, unchanged: 3, failed: 0 });
    expect(c.gets).toBe(gets);
    expect(c.patches).toHaveLength(3);
  });

  test('a conflict (another controller wrote its parent meanwhile) is read again and merged: both entries stay', async () => {
    const c = new FakeStatusCluster();
    c.put(ROUTE, { parents: [] });
    const other = { parentRef: { name: 'x' }, controllerName: 'example.com/other', conditions: [] };
    c.interloper = { parents: [other] };
    const w = writer(c);
    expect(await w.sync({ ...MODEL, gatewayClasses: [], gateways: [] })).toEqual({
      written: 1,
      unchanged: 0,
      failed: 0,
    });
    const parents = (c.objects.get(targetKey(ROUTE))!.status as { parents: Json[] }).parents;
    expect(parents.map((p) => p['controllerName'])).toEqual(['example.com/other', 'causeway.dev/gateway']);
  });

  test('a route that leaves the model gets our entries removed, others kept', async () => {
    const c = new FakeStatusCluster();
    const other = { parentRef: { name: 'x' }, controllerName: 'example.com/other', conditions: [] };
    c.put(ROUTE, { parents: [other] });
    const w = writer(c);
    await w.sync({ ...MODEL, gatewayClasses: [], gateways: [] });
    expect(await w.sync({ gatewayClasses: [], gateways: [], routes: [] })).toEqual({
      written: 1,
      unchanged: 0,
      failed: 0,
    });
    expect(c.objects.get(targetKey(ROUTE))!.status).toEqual({ parents: [other] });
  });

  test('nothing is written unless this replica leads; objects that are gone (or a cluster without CRDs) are skipped', async () => {
    const c = new FakeStatusCluster();
    c.put(CLASS);
    const leader = { value: false };
    const w = writer(c, leader);
    expect(await w.sync(MODEL)).toEqual({ written: 0, unchanged: 0, failed: 0, notLeader: true });
    expect(c.gets + c.patches.length).toBe(0);
    leader.value = true;
    expect(await w.sync(MODEL)).toEqual({ written: 1, unchanged: 0, failed: 0 });
  });

  test('a sync with failed writes is tried again later, without a new model', async () => {
    const c = new FakeStatusCluster();
    c.put(CLASS);
    let fail = true;
    const flaky: GatewayApiStatusClient = {
      get: (t) => (fail ? Promise.reject(new KubeApiError(403, 'forbidden')) : c.get(t)),
      patch: (t, rv, f) => c.patch(t, rv, f),
    };
    const w = new GatewayApiStatusWriter({
      clientFor: () => flaky,
      groupAddresses: () => new Map(),
      isLeader: () => true,
      logger: captureLogger().logger,
      retryFailedMs: 5,
    });
    expect(await w.sync(MODEL)).toMatchObject({ written: 0, failed: 3 });
    fail = false;
    await waitFor(() => c.patches.length === 1, 'the retried write');
    w.close();
  });

  test("after a leadership change, a former leader's entries on routes no longer in the model are removed", async () => {
    const c = new FakeStatusCluster();
    const other = { parentRef: { name: 'x' }, controllerName: 'example.com/other', conditions: [] };
    const stale = { parentRef: { name: 'gone' }, controllerName: 'causeway.dev/gateway', conditions: [] };
    c.put(ROUTE, { parents: [other, stale] });
    const scanning: GatewayApiStatusClient = {
      get: (t) => c.get(t),
      patch: (t, rv, f) => c.patch(t, rv, f),
      routesWithOurParents: (cluster) =>
        Promise.resolve([
          { target: { ...ROUTE, cluster }, resourceVersion: '1', status: { parents: [other, stale] } },
        ]),
    };
    const w = new GatewayApiStatusWriter({
      clientFor: () => scanning,
      clusters: ['east'],
      groupAddresses: () => new Map(),
      isLeader: () => true,
      logger: captureLogger().logger,
    });
    expect(await w.sync({ gatewayClasses: [], gateways: [], routes: [] })).toEqual({
      written: 1,
      unchanged: 0,
      failed: 0,
    });
    expect(c.objects.get(targetKey(ROUTE))!.status).toEqual({ parents: [other] });
  });
});
