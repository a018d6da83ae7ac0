import { describe, expect, it } from '@jest/globals';
import { createLogger } from '../../observability/logger.js';
import type { ServedIngress } from '../../translate/translate.js';
import {
  IngressStatusWriter,
  desiredStatuses,
  loadBalancerIngresses,
  sameStatus,
  statusKey,
  type IngressStatusClient,
  type LoadBalancerIngress,
} from './ingress-status.js';

const served = (cluster: string, namespace: string, name: string, group = 'default'): ServedIngress => ({
  cluster,
  namespace,
  name,
  group,
});

describe('loadBalancerIngresses', () => {
  it('puts IPs in ip and the rest in hostname, sorted (IPv4 numerically, then IPv6, then names), deduplicated', () => {
    expect(
      loadBalancerIngresses([
        'lb.example.com',
        '10.0.0.10',
        '2001:DB8::1',
        '10.0.0.2',
        ' 10.0.0.2 ',
        'LB.example.com.',
        '[2001:db8::1]',
        '',
        'a.example.com',
        '9.9.9.9',
      ]),
    ).toEqual([
      { ip: '9.9.9.9' },
      { ip: '10.0.0.2' },
      { ip: '10.0.0.10' },
      { ip: '2001:db8::1' },
      { hostname: 'a.example.com' },
      { hostname: 'lb.example.com' },
    ]);
    expect(loadBalancerIngresses([])).toEqual([]);
  });
});

describe('desiredStatuses', () => {
  const groups = new Map<string, readonly string[]>([
    ['default', ['10.0.0.2', 'gw.example.com', '10.0.0.1']],
    ['internal', []],
  ]);

  it("maps every served Ingress to its group's addresses, keyed by cluster/namespace/name", () => {
    const out = desiredStatuses(
      [
        served('east', 'shop', 'web'),
        served('west', 'shop', 'web'),
        served('east', 'ops', 'admin', 'internal'),
      ],
      groups,
    );
    const expected = [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { hostname: 'gw.example.com' }];
    expect([...out.keys()]).toEqual(['east/ops/admin', 'east/shop/web', 'west/shop/web']);
    expect(out.get('east/shop/web')).toEqual(expected);
    expect(out.get('west/shop/web')).toEqual(expected);
    expect(out.get('east/ops/admin')).toEqual([]);
    expect(statusKey(served('east', 'shop', 'web'))).toBe('east/shop/web');
  });

  it('leaves out Ingresses whose group has no known addresses', () => {
    expect([...desiredStatuses([served('east', 'shop', 'web', 'edge')], groups).keys()]).toEqual([]);
  });

  it('adds the port errors of an Ingress a gateway rejects config of to each of its entries', () => {
    const ports = [{ port: 8080, protocol: 'TCP', error: 'causeway.dev/GatewayRejectedConfig' }];
    const out = desiredStatuses(
      [served('east', 'shop', 'web'), served('east', 'shop', 'api')],
      new Map([['default', ['10.0.0.1', '10.0.0.2']]]),
      new Map([['east/shop/web', ports]]),
    );
    expect(out.get('east/shop/web')).toEqual([
      { ip: '10.0.0.1', ports },
      { ip: '10.0.0.2', ports },
    ]);
    expect(out.get('east/shop/api')).toEqual([{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }]);
  });
});

describe('sameStatus', () => {
  it('compares entries in order, ports included', () => {
    expect(sameStatus([{ ip: '1.1.1.1' }], [{ ip: '1.1.1.1' }])).toBe(true);
    expect(sameStatus([], [])).toBe(true);
    expect(sameStatus([{ ip: '1.1.1.1' }, { ip: '2.2.2.2' }], [{ ip: '2.2.2.2' }, { ip: '1.1.1.1' }])).toBe(
      false,
    );
    expect(sameStatus([{ ip: '1.1.1.1' }], [{ hostname: '1.1.1.1' }])).toBe(false);
    expect(sameStatus([{ ip: '1.1.1.1', ports: [{ port: 80, protocol: 'TCP' }] }], [{ ip: '1.1.1.1' }])).toBe(
      false,
    );
    expect(sameStatus([{ ip: '1.1.1.1' }], [])).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------

function apiError(code: number, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`HTTP-Code: ${code}`), {
    code,
    headers,
    body: { message: `status ${code}` },
  });
}

/** One cluster's Ingresses in memory; `failures` makes the next calls of an operation fail. */
class FakeCluster {
  readonly statuses = new Map<string, readonly LoadBalancerIngress[]>();
  readonly calls: string[] = [];
  readonly failures: { op: 'list' | 'get' | 'patch'; error: Error }[] = [];

  constructor(names: readonly string[]) {
    for (const n of names) this.statuses.set(n, []);
  }

  get patches(): string[] {
    return this.calls.filter((c) => c.startsWith('patch '));
  }

  private fail(op: 'list' | 'get' | 'patch'): void {
    const i = this.failures.findIndex((f) => f.op === op);
    if (i >= 0) {
      const [f] = this.failures.splice(i, 1);
      throw f!.error;
    }
  }

  client(): IngressStatusClient {
    return {
      list: async () => {
        this.calls.push('list');
        this.fail('list');
        return new Map(this.statuses);
      },
      get: async (ns, name) => {
        this.calls.push(`get ${ns}/${name}`);
        this.fail('get');
        return this.statuses.get(`${ns}/${name}`);
      },
      patch: async (ns, name, ingress) => {
        this.calls.push(`patch ${ns}/${name}`);
        this.fail('patch');
        if (!this.statuses.has(`${ns}/${name}`)) throw apiError(404);
        this.statuses.set(`${ns}/${name}`, ingress);
        return ingress;
      },
    };
  }
}

interface Setup {
  readonly writer: IngressStatusWriter;
  readonly clusters: Record<string, FakeCluster>;
  readonly leader: { value: boolean };
  readonly sleeps: number[];
  readonly groups: Map<string, readonly string[]>;
}

function setup(
  clusters: Record<string, FakeCluster>,
  extra: { resyncMs?: number; onSleep?: (leader: { value: boolean }) => void } = {},
): Setup {
  const leader = { value: true };
  const sleeps: number[] = [];
  const { onSleep, ...rest } = extra;
  const groups = new Map<string, readonly string[]>([['default', ['10.0.0.1', 'gw.example.com']]]);
  const writer = new IngressStatusWriter({
    clientFor: (c) => clusters[c]?.client(),
    groupAddresses: () => groups,
    isLeader: () => leader.value,
    logger: createLogger({ level: 'silent' }),
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
      onSleep?.(leader);
    },
    ...rest,
  });
  return { writer, clusters, leader, sleeps, groups };
}

const WANT = [{ ip: '10.0.0.1' }, { hostname: 'gw.example.com' }];

describe('IngressStatusWriter', () => {
  it('writes the addresses on served Ingresses, leaves the others alone, and writes nothing the second time', async () => {
    const east = new FakeCluster(['shop/web', 'shop/api', 'shop/not-ours']);
    east.statuses.set('shop/api', WANT);
    east.statuses.set('shop/not-ours', [{ hostname: 'other-controller.example.com' }]);
    const { writer } = setup({ east });
    const ours = [served('east', 'shop', 'web'), served('east', 'shop', 'api')];

    expect(await writer.sync(ours)).toEqual({ written: 1, unchanged: 1, failed: 0 });
    expect(east.calls).toEqual(['list', 'patch shop/web']);
    expect(east.statuses.get('shop/web')).toEqual(WANT);
    expect(east.statuses.get('shop/not-ours')).toEqual([{ hostname: 'other-controller.example.com' }]);

    east.calls.length = 0;
    expect(await writer.sync(ours)).toEqual({ written: 0, unchanged: 2, failed: 0 });
    expect(east.calls).toEqual([]);
  });

  it('writes when the group addresses change, and empties the status of a group without addresses', async () => {
    const east = new FakeCluster(['shop/web']);
    const { writer, groups } = setup({ east });
    await writer.sync([served('east', 'shop', 'web')]);
    groups.set('default', ['10.0.0.3']);
    expect(await writer.sync([served('east', 'shop', 'web')])).toMatchObject({ written: 1 });
    expect(east.statuses.get('shop/web')).toEqual([{ ip: '10.0.0.3' }]);
    groups.set('default', []);
    await writer.sync([served('east', 'shop', 'web')]);
    expect(east.statuses.get('shop/web')).toEqual([]);
    // A group missing from the map: unknown addresses, the status stays.
    groups.delete('default');
    east.calls.length = 0;
    expect(await writer.sync([served('east', 'shop', 'web')])).toEqual({
      written: 0,
      unchanged: 0,
      failed: 0,
    });
    expect(east.calls).toEqual([]);
  });

  it('makes no request at all while not leading, and re-reads after leading again', async () => {
    const east = new FakeCluster(['shop/web']);
    const { writer, leader } = setup({ east });
    leader.value = false;
    expect(await writer.sync([served('east', 'shop', 'web')])).toEqual({
      written: 0,
      unchanged: 0,
      failed: 0,
      notLeader: true,
    });
    expect(east.calls).toEqual([]);
    leader.value = true;
    await writer.sync([served('east', 'shop', 'web')]);
    // Someone else (a former leader, a user) changes the status while we do not lead.
    leader.value = false;
    await writer.sync([served('east', 'shop', 'web')]);
    east.statuses.set('shop/web', [{ ip: '192.0.2.1' }]);
    leader.value = true;
    east.calls.length = 0;
    expect(await writer.sync([served('east', 'shop', 'web')])).toMatchObject({ written: 1 });
    expect(east.calls).toEqual(['list', 'patch shop/web']);
  });

  it('retries 5xx and 429 with capped, jittered backoff, honouring Retry-After', async () => {
    const east = new FakeCluster(['shop/web']);
    east.failures.push(
      { op: 'patch', error: apiError(503) },
      { op: 'patch', error: apiError(429, { 'retry-after': '2' }) },
      { op: 'patch', error: apiError(500) },
    );
    const { writer, sleeps } = setup({ east });
    expect(await writer.sync([served('east', 'shop', 'web')])).toEqual({
      written: 1,
      unchanged: 0,
      failed: 0,
    });
    expect(east.patches).toHaveLength(4);
    // Equal jitter with random 0.5: 3/4 of 200, 400, 800 ms; Retry-After 2 s wins over 300 ms.
    expect(sleeps).toEqual([150, 2_000, 600]);
  });

  it('gives up after the attempts, and tries again at the next sync', async () => {
    const east = new FakeCluster(['shop/web']);
    for (let i = 0; i < 4; i++) east.failures.push({ op: 'patch', error: apiError(502) });
    const { writer } = setup({ east });
    expect(await writer.sync([served('east', 'shop', 'web')])).toEqual({
      written: 0,
      unchanged: 0,
      failed: 1,
    });
    expect(east.patches).toHaveLength(4);
    expect(await writer.sync([served('east', 'shop', 'web')])).toEqual({
      written: 1,
      unchanged: 0,
      failed: 0,
    });
  });

  it('does not retry a 4xx answer', async () => {
    const east = new FakeCluster(['shop/web']);
    east.failures.push({ op: 'patch', error: apiError(403) });
    const { writer, sleeps } = setup({ east });
    expect(await writer.sync([served('east', 'shop', 'web')])).toEqual({
      written: 0,
      unchanged: 0,
      failed: 1,
    });
    expect(east.patches).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('stops retrying the moment leadership is lost', async () => {
    const east = new FakeCluster(['shop/web']);
    east.failures.push({ op: 'patch', error: apiError(503) });
    // Leadership is lost during the first backoff.
    const { writer, sleeps } = setup({ east }, { onSleep: (leader) => (leader.value = false) });
    expect(await writer.sync([served('east', 'shop', 'web')])).toEqual({
      written: 0,
      unchanged: 0,
      failed: 0,
    });
    expect(sleeps).toHaveLength(1);
    expect(east.patches).toHaveLength(1);
  });

  it('reads an Ingress that appeared after the LIST, and skips one that is gone', async () => {
    const east = new FakeCluster(['shop/web']);
    const { writer } = setup({ east });
    await writer.sync([served('east', 'shop', 'web')]);
    east.statuses.set('shop/new', []);
    east.calls.length = 0;
    expect(
      await writer.sync([
        served('east', 'shop', 'web'),
        served('east', 'shop', 'new'),
        served('east', 'shop', 'gone'),
      ]),
    ).toEqual({ written: 1, unchanged: 1, failed: 0 });
    expect(east.calls.sort()).toEqual(['get shop/gone', 'get shop/new', 'patch shop/new']);
  });

  it('re-lists after resyncMs and repairs a status changed behind its back', async () => {
    const east = new FakeCluster(['shop/web']);
    const { writer } = setup({ east }, { resyncMs: 0 });
    await writer.sync([served('east', 'shop', 'web')]);
    east.statuses.set('shop/web', [{ ip: '192.0.2.1' }]);
    east.calls.length = 0;
    expect(await writer.sync([served('east', 'shop', 'web')])).toMatchObject({ written: 1 });
    expect(east.calls).toEqual(['list', 'patch shop/web']);
  });

  it('writes each cluster through its own client; a cluster without a client counts as failed', async () => {
    const east = new FakeCluster(['shop/web']);
    const west = new FakeCluster(['shop/web']);
    const { writer } = setup({ east, west });
    expect(
      await writer.sync([
        served('east', 'shop', 'web'),
        served('west', 'shop', 'web'),
        served('north', 'shop', 'web'),
      ]),
    ).toEqual({ written: 2, unchanged: 0, failed: 1 });
    expect(east.statuses.get('shop/web')).toEqual(WANT);
    expect(west.statuses.get('shop/web')).toEqual(WANT);
  });

  it('counts a failed LIST as failed for the whole cluster', async () => {
    const east = new FakeCluster(['shop/web']);
    east.failures.push({ op: 'list', error: apiError(401) });
    const { writer } = setup({ east });
    expect(await writer.sync([served('east', 'shop', 'web')])).toEqual({
      written: 0,
      unchanged: 0,
      failed: 1,
    });
    expect(east.patches).toEqual([]);
  });

  it('serializes and coalesces overlapping syncs: the latest list wins', async () => {
    const east = new FakeCluster(['shop/a', 'shop/b', 'shop/c']);
    const { writer } = setup({ east });
    const first = writer.sync([served('east', 'shop', 'a')]);
    const second = writer.sync([served('east', 'shop', 'b')]);
    const third = writer.sync([served('east', 'shop', 'c')]);
    const [r1, r2, r3] = await Promise.all([first, second, third]);
    expect(r1).toMatchObject({ written: 1 });
    expect(r2).toBe(r3);
    expect(east.patches).toEqual(['patch shop/a', 'patch shop/c']);
  });
});
