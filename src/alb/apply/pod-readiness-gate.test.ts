import { expect, test } from '@jest/globals';
import type { AlbStack, TargetGroupSpec, TargetSpec } from '../model/alb-model.js';
import { gateStates } from './pod-readiness-gate.js';

function tg(resourceId: string, targets: TargetSpec[]): TargetGroupSpec {
  return {
    resourceId,
    name: resourceId,
    protocol: 'HTTP',
    protocolVersion: 'HTTP1',
    port: 8080,
    targetType: 'ip',
    vpcId: 'vpc-1',
    healthCheck: {
      protocol: 'HTTP',
      port: 'traffic-port',
      path: '/',
      intervalSeconds: 15,
      timeoutSeconds: 5,
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 2,
      successCodes: '200',
    },
    attributes: {},
    tags: {},
    targets,
    service: { kind: 'Service', namespace: 'default', name: 'web' },
  };
}

const target = (id: string, pod: string, state: TargetSpec['state'] = 'not-ready'): TargetSpec => ({
  id,
  port: 8080,
  state,
  pod: { kind: 'Pod', namespace: 'default', name: pod },
});

const stack: AlbStack = {
  group: 'g',
  loadBalancers: [],
  ingresses: [],
  targetGroups: [
    tg('g/tg/a', [
      target('10.0.0.1', 'web-1'),
      target('10.0.0.2', 'web-2'),
      target('10.0.0.9', 'old', 'terminating'),
    ]),
    tg('g/tg/b', [target('10.0.0.1', 'web-1')]),
  ],
};

test('a pod is healthy only when its target is healthy in every target group holding it', () => {
  const health = {
    'g/tg/a': [
      { id: '10.0.0.1', port: 8080, health: 'healthy' },
      { id: '10.0.0.2', port: 8080, health: 'healthy' },
    ],
    'g/tg/b': [{ id: '10.0.0.1', port: 8080, health: 'initial' }],
  } as Record<string, { id: string; port: number; health: string }[]>;
  const states = gateStates([stack], (id) => health[id]);
  expect([...states.keys()]).toEqual(['default/web-1', 'default/web-2']);
  expect(states.get('default/web-1')).toEqual({
    namespace: 'default',
    name: 'web-1',
    healthy: false,
    message: 'target initial in g/tg/b',
    targetGroups: ['g/tg/a', 'g/tg/b'],
  });
  expect(states.get('default/web-2')?.healthy).toBe(true);
  expect(states.get('default/web-2')?.message).toBe('target healthy in 1 target group');
});

test('unknown health (target group not read, target absent) is not healthy; terminating pods are skipped', () => {
  const states = gateStates([stack], () => undefined);
  expect([...states.values()].map((s) => [s.name, s.healthy, s.message])).toEqual([
    ['web-1', false, 'target unknown in g/tg/a, unknown in g/tg/b'],
    ['web-2', false, 'target unknown in g/tg/a'],
  ]);
});
