import { describe, expect, it } from '@jest/globals';
import { diagnostic } from '../../../errors.js';
import {
  CLUSTER_SCOPED_EVENT_NAMESPACE,
  NOTE_LIMIT_BYTES,
  REPORTING_CONTROLLER,
  emptyEventState,
  eventName,
  eventSpecFor,
  planEvents,
  settleAdopted,
  settleFailed,
  trimToBytes,
  type EventState,
} from './event-plan.js';
import { MIN, OPTS, T0, badPath, ing } from '../../testdata/event-fixtures.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe('eventSpecFor', () => {
  it('builds the Event of an Ingress diagnostic: regarding, catalog reason, CODE: message, controller, instance', () => {
    const ev = eventSpecFor(badPath(), OPTS)!;
    expect(ev.spec).toEqual({
      cluster: 'east',
      namespace: 'shop',
      name: ev.spec.name,
      regarding: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: 'shop', name: 'web' },
      reason: 'InvalidPath',
      note: 'CW_E_INGRESS_PATH_INVALID: path "foo" must start with /',
      type: 'Warning',
      action: 'Translate',
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: 'causeway-7d9f-abcde',
    });
    expect(ev.spec.name).toMatch(/^web\.[0-9a-f]{16}$/);
    expect(ev.objectKey).toBe('east/Ingress/shop/web');
    // Warnings are Warning Events too.
    expect(
      eventSpecFor(
        diagnostic('CW_E_SERVICE_NOT_FOUND', { kind: 'Service', namespace: 'shop', name: 'api' }, 'x'),
        OPTS,
      )?.spec,
    ).toMatchObject({
      type: 'Warning',
      reason: 'ServiceNotFound',
      regarding: { apiVersion: 'v1', kind: 'Service' },
    });
  });

  it('names the same series the same way, and different ones differently', () => {
    const a = eventSpecFor(badPath(), OPTS)!;
    expect(eventSpecFor(badPath(), { ...OPTS, reportingInstance: 'other-replica' })!.spec.name).toBe(
      a.spec.name,
    );
    expect(eventSpecFor(badPath('web', 'other message'), OPTS)!.spec.name).not.toBe(a.spec.name);
    expect(eventSpecFor(badPath('web'), { ...OPTS, uidOf: () => 'uid-2' })!.spec.name).not.toBe(a.spec.name);
  });

  it('adds the uid when known, so that kubectl describe finds the Event', () => {
    const ev = eventSpecFor(badPath(), {
      ...OPTS,
      uidOf: (ref) => (ref.name === 'web' ? 'c0ffee' : undefined),
    })!;
    expect(ev.spec.regarding.uid).toBe('c0ffee');
  });

  it('puts Events about cluster-scoped objects in the default namespace', () => {
    const ev = eventSpecFor(
      diagnostic('CW_E_ANNOTATION_INVALID', { kind: 'IngressClass', name: 'causeway' }, 'bad'),
      OPTS,
    )!;
    expect(ev.spec.namespace).toBe(CLUSTER_SCOPED_EVENT_NAMESPACE);
    expect(ev.spec.regarding).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      name: 'causeway',
    });
  });

  it('an invalid Gateway API object gets its Event (gateway.networking.k8s.io/v1), also a GatewayClass', () => {
    const route = eventSpecFor(
      diagnostic(
        'CW_E_KUBE_OBJECT',
        { kind: 'HTTPRoute', namespace: 'shop', name: 'web', cluster: 'east' },
        'bad',
      ),
      OPTS,
    )!;
    expect(route.spec.regarding).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      namespace: 'shop',
      name: 'web',
    });
    const cls = eventSpecFor(
      diagnostic('CW_E_KUBE_OBJECT', { kind: 'GatewayClass', name: 'causeway' }, 'bad'),
      OPTS,
    )!;
    expect(cls.spec.namespace).toBe(CLUSTER_SCOPED_EVENT_NAMESPACE);
    expect(cls.spec.regarding).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      name: 'causeway',
    });
  });

  it('skips manifest files, unknown kinds and namespaced objects without a namespace', () => {
    expect(
      eventSpecFor(diagnostic('CW_E_INGRESS_PATH_INVALID', { ...ing('web'), file: 'web.yaml' }, 'x'), OPTS),
    ).toBeUndefined();
    expect(
      eventSpecFor(diagnostic('CW_E_MANIFEST_YAML', { kind: 'Manifest', name: 'a.yaml' }, 'x'), OPTS),
    ).toBeUndefined();
    expect(
      eventSpecFor(diagnostic('CW_E_INGRESS_PATH_INVALID', { kind: 'Ingress', name: 'web' }, 'x'), OPTS),
    ).toBeUndefined();
  });

  it('trims the note to 1 KiB of UTF-8 on a character boundary', () => {
    const ev = eventSpecFor(badPath('web', 'é'.repeat(2_000)), OPTS)!;
    expect(Buffer.byteLength(ev.spec.note, 'utf8')).toBeLessThanOrEqual(NOTE_LIMIT_BYTES);
    expect(ev.spec.note).toMatch(/^CW_E_INGRESS_PATH_INVALID: é+\.\.\.$/);
    expect(trimToBytes('short', 10)).toBe('short');
    expect(trimToBytes('abcdefghijk', 10)).toBe('abcdefg...');
  });

  it('keeps Event names valid DNS subdomains of at most 253 characters', () => {
    const long = `${'a'.repeat(100)}.${'b'.repeat(100)}.${'c'.repeat(52)}`;
    for (const name of ['web', long, 'x.', 'a-b']) {
      const n = eventName(name, 'key');
      expect(n.length).toBeLessThanOrEqual(253);
      expect(n).toMatch(DNS_SUBDOMAIN);
    }
  });
});

describe('planEvents', () => {
  it('creates an Event per new series, once', () => {
    const d = [badPath('web'), badPath('web'), badPath('api')];
    const plan = planEvents(emptyEventState(T0), d, T0, OPTS);
    expect(plan.create.map((c) => c.spec.regarding.name)).toEqual(['api', 'web']);
    expect(plan.create[0]).toMatchObject({ eventTime: T0 });
    expect(plan.create[0]!.series).toBeUndefined();
    expect(plan.patch).toEqual([]);
    expect(plan.nextAt).toBeUndefined();
    const again = planEvents(plan.state, d, T0 + MIN, OPTS);
    expect(again.create).toEqual([]);
    expect(again.patch).toEqual([]);
  });

  it('patches the series of a repeated diagnostic at most once per interval', () => {
    let state = planEvents(emptyEventState(T0), [badPath()], T0, OPTS).state;
    const p1 = planEvents(state, [badPath()], T0 + 1 * MIN, OPTS);
    expect(p1.patch).toEqual([]);
    expect(p1.nextAt).toBe(T0 + 5 * MIN);
    state = planEvents(p1.state, [badPath()], T0 + 2 * MIN, OPTS).state;
    const flush = planEvents(state, [], T0 + 5 * MIN, OPTS);
    expect(flush.patch.map((p) => p.series)).toEqual([{ count: 3, lastObservedTime: T0 + 2 * MIN }]);
    expect(flush.patch[0]!.spec.name).toMatch(/^web\./);
    const p2 = planEvents(flush.state, [badPath()], T0 + 6 * MIN, OPTS);
    expect(p2.patch).toEqual([]);
    expect(p2.nextAt).toBe(T0 + 10 * MIN);
    expect(planEvents(p2.state, [], T0 + 10 * MIN, OPTS).patch.map((p) => p.series.count)).toEqual([4]);
    // Nothing new since: nothing to write.
    const quiet = planEvents(planEvents(p2.state, [], T0 + 10 * MIN, OPTS).state, [], T0 + 20 * MIN, OPTS);
    expect([quiet.create, quiet.patch, quiet.nextAt]).toEqual([[], [], undefined]);
  });

  it('rate limits globally (10/s, burst 25), and writes the rest later', () => {
    const many = Array.from({ length: 30 }, (_, i) => badPath(`web-${String(i).padStart(2, '0')}`));
    const first = planEvents(emptyEventState(T0), many, T0, OPTS);
    expect(first.create).toHaveLength(25);
    expect(first.deferred).toBe(5);
    expect(first.nextAt).toBe(T0 + 100);
    const second = planEvents(first.state, [], T0 + 100, OPTS);
    expect(second.create).toHaveLength(1);
    const rest = planEvents(second.state, [], T0 + 500, OPTS);
    expect(rest.create).toHaveLength(4);
    expect(rest.deferred).toBe(0);
    expect([...first.create, ...second.create, ...rest.create].map((c) => c.spec.regarding.name)).toEqual(
      many.map((d) => d.object.name),
    );
  });

  it('rate limits per object (burst 10, then one per 10 s)', () => {
    const many = Array.from({ length: 12 }, (_, i) =>
      badPath('web', `problem ${String(i).padStart(2, '0')}`),
    );
    const first = planEvents(emptyEventState(T0), [...many, badPath('other')], T0, OPTS);
    expect(first.create.filter((c) => c.spec.regarding.name === 'web')).toHaveLength(10);
    expect(first.create.filter((c) => c.spec.regarding.name === 'other')).toHaveLength(1);
    expect(first.deferred).toBe(2);
    expect(first.nextAt).toBe(T0 + 10_000);
    expect(planEvents(first.state, [], T0 + 10_000, OPTS).create).toHaveLength(1);
  });

  it('drops full per-object buckets, so that state stays bounded', () => {
    const plan = planEvents(emptyEventState(T0), [badPath()], T0, OPTS);
    expect(plan.state.perObject.size).toBe(1);
    expect(planEvents(plan.state, [], T0 + 10 * MIN, OPTS).state.perObject.size).toBe(0);
  });

  it('forgets a series not observed for retainMs; it is created anew if it comes back', () => {
    const state = planEvents(emptyEventState(T0), [badPath()], T0, OPTS).state;
    const later = planEvents(state, [], T0 + 61 * MIN, OPTS);
    expect(later.state.series.size).toBe(0);
    expect(planEvents(later.state, [badPath()], T0 + 62 * MIN, OPTS).create).toHaveLength(1);
  });

  it('starts a deferred Event with its series when it was observed more than once before', () => {
    const many = Array.from({ length: 11 }, (_, i) =>
      badPath('web', `problem ${String(i).padStart(2, '0')}`),
    );
    const first = planEvents(emptyEventState(T0), many, T0, OPTS);
    const second = planEvents(first.state, many, T0 + 1_000, OPTS);
    expect(second.create).toEqual([]);
    const third = planEvents(second.state, [], T0 + 10_000, OPTS);
    expect(third.create.map((c) => [c.eventTime, c.series])).toEqual([
      [T0, { count: 2, lastObservedTime: T0 + 1_000 }],
    ]);
  });

  it('is deterministic', () => {
    const d = [
      badPath('b'),
      badPath('a'),
      diagnostic('CW_E_SERVICE_NOT_FOUND', { kind: 'Service', namespace: 's', name: 'x' }, 'm'),
    ];
    const a = planEvents(emptyEventState(T0), d, T0, OPTS);
    const b = planEvents(emptyEventState(T0), [...d].reverse(), T0, OPTS);
    expect(b.create).toEqual(a.create);
  });

  describe('settling outcomes', () => {
    const key = eventSpecFor(badPath(), OPTS)!.key;
    const created = (): EventState => planEvents(emptyEventState(T0), [badPath()], T0, OPTS).state;

    it('retries a failed create at the next plan', () => {
      const state = settleFailed(created(), key, undefined, 'retry', T0);
      expect(planEvents(state, [], T0 + 1_000, OPTS).create).toHaveLength(1);
    });

    it('restores the written count after a failed patch, so the patch is planned again', () => {
      let state = planEvents(created(), [badPath()], T0 + MIN, OPTS).state;
      const plan = planEvents(state, [], T0 + 5 * MIN, OPTS);
      expect(plan.patch).toHaveLength(1);
      state = settleFailed(plan.state, key, { count: 1, at: T0 }, 'retry', T0 + 5 * MIN);
      expect(planEvents(state, [], T0 + 5 * MIN + 1_000, OPTS).patch.map((p) => p.series.count)).toEqual([2]);
    });

    it('does not retry a final failure before the series interval', () => {
      const state = settleFailed(created(), key, undefined, 'final', T0);
      const soon = planEvents(state, [badPath()], T0 + MIN, OPTS);
      expect(soon.create).toEqual([]);
      expect(soon.nextAt).toBe(T0 + 5 * MIN);
      expect(planEvents(soon.state, [], T0 + 5 * MIN, OPTS).create).toHaveLength(1);
    });

    it('re-creates an Event whose patch found it gone (expired)', () => {
      const state = settleFailed(created(), key, { count: 1, at: T0 }, 'gone', T0);
      expect(planEvents(state, [], T0 + 1, OPTS).create).toHaveLength(1);
    });

    it("adopts an existing Event's count and patches it at once", () => {
      const state = settleAdopted(created(), key, 7);
      expect(planEvents(state, [], T0 + 1, OPTS).patch.map((p) => p.series)).toEqual([
        { count: 8, lastObservedTime: T0 },
      ]);
    });
  });
});
