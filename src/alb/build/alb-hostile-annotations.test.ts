/**
 * ALB annotation values get the same free-text checks as gateway ones before their parser: a value
 * that is not well-formed text or holds a control character is refused, and never quoted back.
 */
import type { Diagnostic } from '../../errors.js';
import type { Ingress } from '../../resources/kube-types.js';
import type { Sourced } from '../../resources/resource-set.js';
import { readGroupName } from './alb-ingress-reader.js';

function ingressWithGroup(value: string): Sourced<Ingress> {
  return {
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'shop', annotations: { 'alb.causeway.dev/group.name': value } },
    },
    origin: { cluster: 'local', file: 'web.yaml', documentIndex: 0 },
  };
}

test.each([
  ['a lone surrogate', 'team\uD800a'],
  ['a control character', 'team\u0000a'],
  ['a line break', 'team\r\nX-Injected: 1'],
])('a group.name holding %s is refused without quoting it', (_label, value) => {
  const diags: Diagnostic[] = [];
  expect(readGroupName(ingressWithGroup(value), diags)).toBeUndefined();
  expect(diags.map((d) => d.code)).toEqual(['CW_E_ALB_ANNOTATION_INVALID']);
  expect(diags[0]!.message).toMatch(
    /alb\.causeway\.dev\/group\.name: the value (is not well-formed|holds the control)/,
  );
  expect(diags[0]!.message).not.toContain(value);
});

test('a well-formed group.name is read as before', () => {
  const diags: Diagnostic[] = [];
  expect(readGroupName(ingressWithGroup('team-a'), diags)).toBe('team-a');
  expect(diags).toEqual([]);
});
