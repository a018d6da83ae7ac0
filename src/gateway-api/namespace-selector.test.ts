import { buildResourceSet } from '../resources/resource-set.js';
import type { KubeObject } from '../resources/kube-types.js';
import { labelsMatch, namespaceLabels } from './namespace-selector.js';

const NAME = 'kubernetes.io/metadata.name';

test('matchLabels and matchExpressions follow Kubernetes label selector semantics', () => {
  const labels = { [NAME]: 'apps', team: 'a' };
  expect(labelsMatch({ matchLabels: { team: 'a' } }, labels)).toBe(true);
  expect(labelsMatch({ matchLabels: { team: 'b' } }, labels)).toBe(false);
  expect(labelsMatch({ matchLabels: { team: 'a', [NAME]: 'infra' } }, labels)).toBe(false);
  const inList = { matchExpressions: [{ key: 'team', operator: 'In' as const, values: ['a', 'b'] }] };
  expect(labelsMatch(inList, labels)).toBe(true);
  expect(labelsMatch(inList, { [NAME]: 'x' })).toBe(false);
  const notIn = { matchExpressions: [{ key: 'team', operator: 'NotIn' as const, values: ['a'] }] };
  expect(labelsMatch(notIn, labels)).toBe(false);
  expect(labelsMatch(notIn, { [NAME]: 'x' })).toBe(true);
  expect(labelsMatch({ matchExpressions: [{ key: 'team', operator: 'Exists' }] }, labels)).toBe(true);
  expect(labelsMatch({ matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, labels)).toBe(false);
  expect(labelsMatch({ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, labels)).toBe(false);
});

test('the empty selector selects every namespace', () => {
  expect(labelsMatch({}, { [NAME]: 'any' })).toBe(true);
  expect(labelsMatch(undefined, { [NAME]: 'any' })).toBe(true);
});

test("a namespace's labels: the Namespace's own, plus its name label even when the Namespace is unknown", () => {
  const ns: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'web', labels: { 'gateway-conformance': 'backend' } },
  };
  const rs = buildResourceSet([{ object: ns, origin: { cluster: 'c1' } }]);
  expect(namespaceLabels(rs, 'web')).toEqual({ 'gateway-conformance': 'backend', [NAME]: 'web' });
  expect(namespaceLabels(rs, 'other')).toEqual({ [NAME]: 'other' });
});
