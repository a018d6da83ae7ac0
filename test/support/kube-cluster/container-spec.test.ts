/**
 * The node agent's pure parts: how a container becomes a process (image -> binary, command / args,
 * env with downward-API fieldRefs and `$(VAR)`), the Pod status it reports, and readiness counting.
 */
import { describe, expect, test } from '@jest/globals';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { containerProcessSpec, expandVars, imageResolver } from './container-spec.js';
import { podPhase, podStatus, type ContainerView } from './pod-status.js';
import { probeTiming, ReadinessCounter, resolvePort } from './probes.js';

const where = { podIP: '10.244.7.2', hostIP: '10.244.7.1' };
const images = imageResolver('/cache/echo-basic', { 'example.com/tool:1': '/bin/tool' });

function pod(container: V1Container): V1Pod {
  return {
    metadata: { name: 'web-1', namespace: 'shop', uid: 'u-1', labels: { app: 'web' } },
    spec: { nodeName: 'node-a', containers: [container] },
  };
}

describe('containerProcessSpec', () => {
  test('echo-basic with the downward-API environment of the conformance manifests', () => {
    const c: V1Container = {
      name: 'echo',
      image: 'registry.k8s.io/gateway-api/echo-basic:v1.5.1',
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'GREETING', value: 'hi $(POD_NAME) $$(POD_NAME) $(NOPE)' },
      ],
      args: ['--name=$(POD_NAME)'],
    };
    const res = containerProcessSpec(pod(c), c, images, where);
    expect(res).toEqual({
      ok: true,
      spec: {
        name: 'echo',
        binary: '/cache/echo-basic',
        args: ['--name=web-1'],
        env: {
          PATH: expect.any(String),
          HOSTNAME: 'web-1',
          POD_NAME: 'web-1',
          NAMESPACE: 'shop',
          POD_IP: '10.244.7.2',
          APP: 'web',
          GREETING: 'hi web-1 $(POD_NAME) $(NOPE)',
        },
      },
    });
  });

  test('an unknown image is ErrImagePull naming the image', () => {
    const c: V1Container = { name: 'x', image: 'docker.io/library/nginx:1' };
    const res = containerProcessSpec(pod(c), c, images, where);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error.reason).toBe('ErrImagePull');
      expect(res.error.message).toContain('docker.io/library/nginx:1');
    }
  });

  test('unsupported env sources and foreign commands are CreateContainerConfigError', () => {
    const secret: V1Container = {
      name: 'x',
      image: 'example.com/tool:1',
      env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
    };
    const a = containerProcessSpec(pod(secret), secret, images, where);
    expect(a.ok ? '' : a.error).toMatchObject({ reason: 'CreateContainerConfigError' });
    const foreign: V1Container = { name: 'x', image: 'example.com/tool:1', command: ['/bin/sh', '-c', 'x'] };
    const b = containerProcessSpec(pod(foreign), foreign, images, where);
    expect(b.ok ? '' : b.error).toMatchObject({ reason: 'CreateContainerConfigError' });
    // The image's own binary, by path, is fine; the rest of the command comes before args.
    const own: V1Container = {
      name: 'x',
      image: 'example.com/tool:1',
      command: ['/usr/bin/tool', 'serve'],
      args: ['-v'],
    };
    const c = containerProcessSpec(pod(own), own, images, where);
    expect(c.ok && c.spec.args).toEqual(['serve', '-v']);
  });

  test('expandVars', () => {
    expect(expandVars('$(A)-$(B)-$$-$(C', { A: '1', B: '2' })).toBe('1-2-$-$(C');
  });
});

function view(over: Partial<ContainerView>): ContainerView {
  return {
    name: 'c',
    image: 'i',
    state: { kind: 'running', startedAt: '2026-01-01T00:00:00.000Z' },
    ready: true,
    restartCount: 0,
    willRestart: true,
    ...over,
  };
}

describe('podStatus', () => {
  const exited = (exitCode: number): ContainerView['state'] => ({
    kind: 'terminated',
    exitCode,
    reason: 'x',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
  });

  test('phase from the containers', () => {
    expect(podPhase([view({ state: { kind: 'waiting', reason: 'ErrImagePull' } })])).toBe('Pending');
    expect(podPhase([view({})])).toBe('Running');
    expect(podPhase([view({ state: exited(1), willRestart: true, restartCount: 1 })])).toBe('Running');
    expect(podPhase([view({ state: exited(0), willRestart: false })])).toBe('Succeeded');
    expect(
      podPhase([
        view({ state: exited(0), willRestart: false }),
        view({ state: exited(2), willRestart: false }),
      ]),
    ).toBe('Failed');
  });

  test('Ready only when every container is; transition times kept while a condition holds', () => {
    const base = { podIP: '10.244.7.2', hostIP: '10.244.7.1', startTime: '2026-01-01T00:00:00.000Z' };
    const first = podStatus(
      { ...base, containers: [view({ ready: false })] },
      undefined,
      '2026-01-01T00:00:01.000Z',
    );
    const ready = (s: typeof first) => s.conditions?.find((c) => c.type === 'Ready');
    expect(ready(first)?.status).toBe('False');
    expect(first.podIPs).toEqual([{ ip: '10.244.7.2' }]);
    const second = podStatus({ ...base, containers: [view({})] }, first, '2026-01-01T00:00:02.000Z');
    expect(ready(second)).toMatchObject({
      status: 'True',
      lastTransitionTime: new Date('2026-01-01T00:00:02.000Z'),
    });
    const third = podStatus({ ...base, containers: [view({})] }, second, '2026-01-01T00:00:03.000Z');
    expect(JSON.stringify(third)).toBe(JSON.stringify(second));
  });
});

describe('readiness', () => {
  test('defaults, named ports and thresholds', () => {
    expect(probeTiming({})).toEqual({
      initialDelayMs: 0,
      periodMs: 10_000,
      timeoutMs: 1000,
      successThreshold: 1,
      failureThreshold: 3,
    });
    const c: V1Container = { name: 'c', ports: [{ name: 'http', containerPort: 3000 }] };
    expect([
      resolvePort(c, 'http'),
      resolvePort(c, 8080),
      resolvePort(c, '81'),
      resolvePort(c, 'nope'),
    ]).toEqual([3000, 8080, 81, undefined]);
    const r = new ReadinessCounter(probeTiming({ successThreshold: 2, failureThreshold: 2 }));
    expect([true, true, false, true, false, false, true].map((ok) => r.record(ok))).toEqual([
      false,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});
