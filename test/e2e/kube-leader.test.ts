/**
 * The leader-only writers against a real kube-apiserver (test/support/kube-apiserver.ts: etcd and
 * kube-apiserver on 127.0.0.1, token auth, RBAC): leader election on a Lease, the Ingress status writer
 * and the Event recorder, each running as the `causeway-controller` user with only the RBAC they need
 * (docs/kubernetes.md). The first run builds the binaries (minutes; cached afterwards).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CoordinationV1Api,
  CoreV1Api,
  EventsV1Api,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type EventsV1Event,
  type V1Ingress,
  type V1IngressClass,
} from '@kubernetes/client-node';
import type { Ingress, IngressClass, KubeObject } from '../../src/resources/kube-types.js';
import { buildResourceSet, type Sourced } from '../../src/resources/resource-set.js';
import { createLogger } from '../../src/observability/logger.js';
import { translate } from '../../src/translate/translate.js';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/translate/translate-options.js';
import { EventRecorder } from '../../src/kubernetes/status/events/event-recorder.js';
import { kubeEventClient } from '../../src/kubernetes/status/events/event-client.js';
import { REPORTING_CONTROLLER } from '../../src/kubernetes/status/events/event-plan.js';
import { IngressStatusWriter, kubeIngressStatusClient } from '../../src/kubernetes/status/ingress-status.js';
import { LeaderElector } from '../../src/kubernetes/lease/leader-election.js';
import {
  ensureKubeBinaries,
  startEtcd,
  startKubeApiserver,
  type Etcd,
  type KubeApiserver,
} from '../support/kube-apiserver.js';

const BUILD_TIMEOUT = 45 * 60_000;
const CLUSTER = 'kube';
const SYSTEM_NS = 'causeway-system';
const APP_NS = 'shop';
const CONTROLLER_USER = 'causeway-controller';
/** Short timings so that the test takes seconds: lease 3 s, deadline 2 s, retry 0.5 s. */
const TIMINGS = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };

const logger = createLogger({
  level: process.env['CAUSEWAY_TEST_LOG_LEVEL'] ?? 'silent',
  name: 'kube-leader-test',
});

function kubeConfig(api: KubeApiserver, user: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig(user));
  return kc;
}

/** Our readonly kube-types object as client-node's (mutable) model type. */
function body<T>(object: KubeObject): T {
  return structuredClone(object) as unknown as T;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`,
      );
    }
    await sleep(50);
  }
}

/** The kube-types form of an object created on the apiserver (uid and creationTimestamp from the answer). */
function sourced<T extends KubeObject>(
  object: T,
  created: { metadata?: { uid?: string; creationTimestamp?: Date; resourceVersion?: string } },
): Sourced<T> {
  return {
    object: {
      ...object,
      metadata: {
        ...object.metadata,
        uid: created.metadata?.uid,
        creationTimestamp: created.metadata?.creationTimestamp?.toISOString(),
      },
    },
    origin: { cluster: CLUSTER },
  };
}

let etcd: Etcd | undefined;
let api: KubeApiserver | undefined;
let admin: KubeConfig;
let controller: KubeConfig;
const electors: LeaderElector[] = [];

function elector(identity: string, name: string, events: string[] = []): LeaderElector {
  const e = new LeaderElector({
    kubeConfig: controller,
    namespace: SYSTEM_NS,
    name,
    identity,
    ...TIMINGS,
    logger,
    onStartedLeading: () => events.push(`started ${identity} ${Date.now()}`),
    onStoppedLeading: () => events.push(`stopped ${identity} ${Date.now()}`),
  });
  electors.push(e);
  return e;
}

beforeAll(async () => {
  await ensureKubeBinaries();
  etcd = await startEtcd();
  api = await startKubeApiserver({ etcd, name: 'leader-e2e' });
  admin = kubeConfig(api, 'admin');
  controller = kubeConfig(api, CONTROLLER_USER);

  const core = admin.makeApiClient(CoreV1Api);
  for (const name of [SYSTEM_NS, APP_NS]) await core.createNamespace({ body: { metadata: { name } } });
  // Exactly what the writers need (docs/kubernetes.md), granted to the controller's user.
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createClusterRole({
    body: {
      metadata: { name: 'causeway-writers' },
      rules: [
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['patch'] },
        { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'get', 'patch'] },
      ],
    },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'causeway-writers' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'causeway-writers' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: CONTROLLER_USER }],
    },
  });
  await rbac.createNamespacedRole({
    namespace: SYSTEM_NS,
    body: {
      metadata: { name: 'causeway-leader-election', namespace: SYSTEM_NS },
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: SYSTEM_NS,
    body: {
      metadata: { name: 'causeway-leader-election', namespace: SYSTEM_NS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'causeway-leader-election' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: CONTROLLER_USER }],
    },
  });
  // RBAC reaches the authorizer through an informer: wait until the controller may read Leases.
  const leases = controller.makeApiClient(CoordinationV1Api);
  await eventually('RBAC in force', async () => {
    try {
      await leases.readNamespacedLease({ name: 'probe', namespace: SYSTEM_NS });
    } catch (err) {
      if ((err as { code?: number }).code === 404) return true;
      throw err;
    }
    return true;
  });
}, BUILD_TIMEOUT);

afterAll(async () => {
  await Promise.all(electors.map((e) => e.stop()));
  await api?.stop();
  await etcd?.stop();
}, 60_000);

describe('leader election on a real Lease', () => {
  it('lets exactly one of two electors lead, and the other take over within leaseDuration when it stops', async () => {
    const events: string[] = [];
    const a = elector('replica-a', 'causeway-leader', events);
    const b = elector('replica-b', 'causeway-leader', events);
    a.start();
    b.start();
    await eventually('a leader', () => (a.isLeader() || b.isLeader() ? true : undefined), 10_000);
    // For a few renew periods, never two leaders, and always one.
    for (let i = 0; i < 40; i++) {
      expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
      await sleep(50);
    }
    const [leader, follower] = a.isLeader() ? [a, b] : [b, a];
    const leases = admin.makeApiClient(CoordinationV1Api);
    const held = await leases.readNamespacedLease({ name: 'causeway-leader', namespace: SYSTEM_NS });
    expect(held.spec).toMatchObject({ holderIdentity: leader.identity, leaseDurationSeconds: 3 });

    const stoppedAt = Date.now();
    await leader.stop();
    expect(events.filter((e) => e.startsWith(`stopped ${leader.identity}`))).toHaveLength(1);
    await eventually(
      'the follower leads',
      () => (follower.isLeader() ? true : undefined),
      TIMINGS.leaseDurationMs,
    );
    expect(Date.now() - stoppedAt).toBeLessThan(TIMINGS.leaseDurationMs);
    const taken = await leases.readNamespacedLease({ name: 'causeway-leader', namespace: SYSTEM_NS });
    expect(taken.spec?.holderIdentity).toBe(follower.identity);
    expect(taken.spec?.leaseTransitions).toBeGreaterThanOrEqual(1);
    await follower.stop();
  }, 60_000);
});

describe('Ingress status and Events', () => {
  let writerElector: LeaderElector;
  let ingresses: NetworkingV1Api;
  const objects: Sourced<KubeObject>[] = [];
  const uids = new Map<string, string>();

  const ingress = (
    name: string,
    className: string,
    path: string,
    pathType: 'Prefix' | 'ImplementationSpecific' = 'Prefix',
  ): Ingress => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: APP_NS },
    spec: {
      ingressClassName: className,
      rules: [
        {
          host: `${name}.example.com`,
          http: { paths: [{ path, pathType, backend: { service: { name: 'web', port: { number: 80 } } } }] },
        },
      ],
    },
  });

  async function readIngress(name: string): Promise<V1Ingress> {
    return ingresses.readNamespacedIngress({ name, namespace: APP_NS });
  }

  async function eventsAbout(name: string): Promise<EventsV1Event[]> {
    const list = await admin.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: APP_NS });
    return list.items.filter((e) => e.regarding?.name === name && e.regarding.kind === 'Ingress');
  }

  beforeAll(async () => {
    ingresses = admin.makeApiClient(NetworkingV1Api);
    const cls: IngressClass = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'causeway' },
      spec: { controller: 'causeway.dev/gateway' },
    };
    objects.push(sourced(cls, await ingresses.createIngressClass({ body: body<V1IngressClass>(cls) })));
    for (const ing of [
      ingress('web', 'causeway', '/'),
      // Valid for the apiserver, not for Causeway: a malformed percent-encoding.
      ingress('broken', 'causeway', '/bad%zz', 'ImplementationSpecific'),
      ingress('other', 'nginx', '/'),
    ]) {
      const created = await ingresses.createNamespacedIngress({
        namespace: APP_NS,
        body: body<V1Ingress>(ing),
      });
      uids.set(ing.metadata.name, created.metadata!.uid!);
      objects.push(sourced(ing, created));
    }
    // The other controller's Ingress has a status of its own.
    await ingresses.patchNamespacedIngressStatus(
      {
        name: 'other',
        namespace: APP_NS,
        body: { status: { loadBalancer: { ingress: [{ hostname: 'nginx.example.com' }] } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    writerElector = elector('writer-replica', 'causeway-writers');
    writerElector.start();
    await eventually('the writer replica leads', () => (writerElector.isLeader() ? true : undefined), 10_000);
  }, 60_000);

  function translated(): ReturnType<typeof translate> {
    return translate(buildResourceSet(objects), DEFAULT_TRANSLATE_OPTIONS);
  }

  it('writes the group addresses on served Ingresses only, and nothing on a second run', async () => {
    const { served } = translated();
    expect(served.map((s) => s.name)).toEqual(['broken', 'web']);
    const writer = new IngressStatusWriter({
      clientFor: (cluster) => (cluster === CLUSTER ? kubeIngressStatusClient(controller) : undefined),
      groupAddresses: () => new Map([['default', ['gw.example.com', '192.0.2.10']]]),
      isLeader: () => writerElector.isLeader(),
      logger,
    });
    const otherBefore = await readIngress('other');

    expect(await writer.sync(served)).toEqual({ written: 2, unchanged: 0, failed: 0 });
    for (const name of ['web', 'broken']) {
      const ing = await readIngress(name);
      expect(ing.status?.loadBalancer?.ingress).toEqual([
        { ip: '192.0.2.10' },
        { hostname: 'gw.example.com' },
      ]);
      // A status patch: the spec is as it was.
      expect(ing.spec?.rules?.[0]?.host).toBe(`${name}.example.com`);
    }
    const otherAfter = await readIngress('other');
    expect(otherAfter.status?.loadBalancer?.ingress).toEqual([{ hostname: 'nginx.example.com' }]);
    expect(otherAfter.metadata?.resourceVersion).toBe(otherBefore.metadata?.resourceVersion);

    const versions = await Promise.all(
      ['web', 'broken'].map(async (n) => (await readIngress(n)).metadata?.resourceVersion),
    );
    expect(await writer.sync(served)).toEqual({ written: 0, unchanged: 2, failed: 0 });
    expect(
      await Promise.all(['web', 'broken'].map(async (n) => (await readIngress(n)).metadata?.resourceVersion)),
    ).toEqual(versions);

    // A fresh writer (a new leader) reads the statuses and finds nothing to write either.
    const successor = new IngressStatusWriter({
      clientFor: () => kubeIngressStatusClient(controller),
      groupAddresses: () => new Map([['default', ['192.0.2.10', 'gw.example.com']]]),
      isLeader: () => true,
      logger,
    });
    expect(await successor.sync(served)).toEqual({ written: 0, unchanged: 2, failed: 0 });

    // Not leading: nothing is written.
    const follower = new IngressStatusWriter({
      clientFor: () => kubeIngressStatusClient(controller),
      groupAddresses: () => new Map([['default', ['198.51.100.1']]]),
      isLeader: () => false,
      logger,
    });
    expect(await follower.sync(served)).toMatchObject({ written: 0, notLeader: true });
    expect((await readIngress('web')).metadata?.resourceVersion).toBe(versions[0]);
  }, 60_000);

  it('records an Event with our reason and code for a bad Ingress, then updates its series', async () => {
    const { diagnostics } = translated();
    const bad = diagnostics.filter((d) => d.object.kind === 'Ingress' && d.object.name === 'broken');
    expect(bad.map((d) => d.code)).toEqual(['CW_E_INGRESS_PATH_INVALID']);
    const recorder = new EventRecorder({
      // Ingress diagnostics name no cluster yet: one cluster here.
      clientFor: () => kubeEventClient(controller),
      isLeader: () => writerElector.isLeader(),
      reportingInstance: writerElector.identity,
      logger,
      seriesIntervalMs: 1_000,
      resyncMs: 0,
      uidOf: (ref) => (ref.kind === 'Ingress' ? uids.get(ref.name) : undefined),
    });
    try {
      expect(await recorder.record(diagnostics)).toMatchObject({ failed: 0, deferred: 0 });
      const [event, ...more] = await eventsAbout('broken');
      expect(more).toEqual([]);
      expect(event).toMatchObject({
        reason: 'InvalidPath',
        type: 'Warning',
        action: 'Translate',
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: 'writer-replica',
        regarding: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          namespace: APP_NS,
          name: 'broken',
          uid: uids.get('broken'),
        },
      });
      expect(event!.note).toMatch(
        /^CW_E_INGRESS_PATH_INVALID: rules\[0\]\.http\.paths\[0\]: path "\/bad%zz" has a malformed percent-encoding/,
      );
      expect(event!.series).toBeUndefined();
      // `kubectl describe ingress broken` finds it: core/v1 Events by involvedObject uid.
      const described = await admin.makeApiClient(CoreV1Api).listNamespacedEvent({
        namespace: APP_NS,
        fieldSelector: `involvedObject.uid=${uids.get('broken')}`,
      });
      expect(described.items.map((e) => e.reason)).toEqual(['InvalidPath']);
      // Every diagnostic has its Event: `web` routes to a Service that does not exist. Not ours: none.
      expect((await eventsAbout('web')).map((e) => e.reason)).toEqual(['ServiceNotFound']);
      expect(await eventsAbout('other')).toEqual([]);

      // Seen again: no new Event; its series is patched once the interval is over (the recorder's timer).
      expect(await recorder.record(diagnostics)).toMatchObject({ created: 0 });
      const patched = await eventually(
        'the series patched',
        async () => (await eventsAbout('broken')).find((e) => e.series?.count === 2),
        10_000,
      );
      expect(patched.metadata?.name).toBe(event!.metadata?.name);
      expect(await eventsAbout('broken')).toHaveLength(1);

      // A replica that does not lead writes nothing.
      const follower = new EventRecorder({
        clientFor: () => kubeEventClient(controller),
        isLeader: () => false,
        reportingInstance: 'follower',
        logger,
        resyncMs: 0,
      });
      expect(await follower.record(diagnostics)).toMatchObject({ created: 0, patched: 0, notLeader: true });
      const after = await eventsAbout('broken');
      expect(after.map((e) => e.metadata?.resourceVersion)).toEqual([patched.metadata?.resourceVersion]);
      follower.close();

      // A new leader finds the Event of the same series and continues it instead of adding one.
      const successor = new EventRecorder({
        clientFor: () => kubeEventClient(controller),
        isLeader: () => true,
        reportingInstance: 'successor',
        logger,
        resyncMs: 0,
        uidOf: (ref) => (ref.kind === 'Ingress' ? uids.get(ref.name) : undefined),
      });
      await successor.record(diagnostics);
      const continued = await eventually(
        'the series continued',
        async () => (await eventsAbout('broken')).find((e) => e.series?.count === 3),
        10_000,
      );
      expect(continued.reportingInstance).toBe('writer-replica');
      expect(await eventsAbout('broken')).toHaveLength(1);
      successor.close();
    } finally {
      recorder.close();
    }
  }, 60_000);
});

// Last: it kills the apiserver.
describe('losing the apiserver', () => {
  it('stops leading within renewDeadline when renewals fail, and leads again once it is back', async () => {
    const events: string[] = [];
    const a = elector('replica-kill', 'causeway-kill', events);
    a.start();
    await eventually('leading', () => (a.isLeader() ? true : undefined), 10_000);
    const killedAt = Date.now();
    await api!.kill();
    const stopped = await eventually(
      'onStoppedLeading',
      () => events.find((e) => e.startsWith('stopped replica-kill')),
      TIMINGS.renewDeadlineMs + 2_000,
    );
    const stoppedAt = Number(stopped.split(' ')[2]);
    // The last renewal started before the kill: the deadline is at most renewDeadline after it (plus
    // timer lateness on a loaded machine; isLeader() itself turns false exactly at the deadline).
    expect(stoppedAt - killedAt).toBeLessThanOrEqual(TIMINGS.renewDeadlineMs + 500);
    expect(a.isLeader()).toBe(false);

    await api!.restart();
    await eventually('leading again', () => (a.isLeader() ? true : undefined), 20_000);
    await a.stop();
  }, 120_000);
});
