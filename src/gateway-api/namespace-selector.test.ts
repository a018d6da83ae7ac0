import { namespaceMatches } from './namespace-selector.js';

const NAME = 'kubernetes.io/metadata.name';

test('a selector on the namespace-name label is evaluated exactly', () => {
  expect(namespaceMatches({ matchLabels: { [NAME]: 'infra' } }, 'infra')).toBe(true);
  expect(namespaceMatches({ matchLabels: { [NAME]: 'infra' } }, 'apps')).toBe(false);
  const inList = { matchExpressions: [{ key: NAME, operator: 'In' as const, values: ['a', 'b'] }] };
  expect(namespaceMatches(inList, 'b')).toBe(true);
  expect(namespaceMatches(inList, 'c')).toBe(false);
  const notIn = { matchExpressions: [{ key: NAME, operator: 'NotIn' as const, values: ['a'] }] };
  expect(namespaceMatches(notIn, 'a')).toBe(false);
  expect(namespaceMatches(notIn, 'z')).toBe(true);
  expect(namespaceMatches({ matchExpressions: [{ key: NAME, operator: 'Exists' }] }, 'x')).toBe(true);
  expect(namespaceMatches({ matchExpressions: [{ key: NAME, operator: 'DoesNotExist' }] }, 'x')).toBe(false);
});

test('the empty selector selects every namespace', () => {
  expect(namespaceMatches({}, 'any')).toBe(true);
  expect(namespaceMatches(undefined, 'any')).toBe(true);
});

test('a selector naming another label (unknown to Causeway) selects none', () => {
  expect(namespaceMatches({ matchLabels: { team: 'a' } }, 'a')).toBe(false);
  expect(namespaceMatches({ matchLabels: { [NAME]: 'a', team: 'a' } }, 'a')).toBe(false);
  expect(namespaceMatches({ matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, 'a')).toBe(
    false,
  );
});
