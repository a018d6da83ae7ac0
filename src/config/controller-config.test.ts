import { CausewayError } from '../errors.js';
import { parseControllerConfig } from './controller-config.js';

test('an empty file is an empty config', () => {
  expect(parseControllerConfig('c.yaml', '')).toEqual({ groups: {}, groupAddresses: {}, clusters: [] });
});

test('ports and groups are read', () => {
  expect(
    parseControllerConfig('c.yaml', 'httpPort: 80\ngroups:\n  edge: { httpsPort: 443 }\n  internal:\n'),
  ).toEqual({
    httpPort: 80,
    groups: { edge: { httpsPort: 443 }, internal: {} },
    groupAddresses: {},
    clusters: [],
  });
});

test('clusters and home clusters are read', () => {
  const text =
    'groups:\n  edge: { homeCluster: east, addresses: [203.0.113.10, edge.example.com] }\nclusters:\n  - { name: east, zone: us-east-1a, context: e }\n  - { name: west }\n';
  expect(parseControllerConfig('c.yaml', text)).toEqual({
    groups: { edge: { homeCluster: 'east' } },
    groupAddresses: { edge: ['203.0.113.10', 'edge.example.com'] },
    clusters: [{ name: 'east', zone: 'us-east-1a', context: 'e' }, { name: 'west' }],
  });
});

test.each([
  ['httpPort: 0', /httpPort must be a port number/],
  ['httpPort: "80"', /httpPort must be a port number/],
  ['htpPort: 80', /unknown key htpPort/],
  ['groups:\n  Edge: {}', /group name "Edge" is not a DNS label/],
  ['groups:\n  edge: { port: 1 }', /unknown key groups.edge.port/],
  ['groups: [a]', /groups must be a mapping/],
  ['- a', /must be a YAML mapping/],
  ['a: [', /not valid YAML/],
  ['clusters: { east: {} }', /clusters must be a list/],
  ['clusters:\n  - { name: East }', /clusters\[0\].name must be a DNS label/],
  ['clusters:\n  - { name: a }\n  - { name: a }', /listed twice/],
  ['clusters:\n  - { name: a, zone: "" }', /zone must be a non-empty string/],
  ['clusters:\n  - { name: a, kubeconfg: x }', /unknown key clusters\[0\].kubeconfg/],
  ['groups:\n  edge: { homeCluster: 3 }', /homeCluster must be a cluster name/],
  ['groups:\n  edge: { addresses: 1.2.3.4 }', /addresses must be a list/],
  ['groups:\n  edge: { addresses: ["a b"] }', /addresses must be a list/],
])('%s is rejected with a clear message', (text, message) => {
  expect(() => parseControllerConfig('c.yaml', text)).toThrow(CausewayError);
  expect(() => parseControllerConfig('c.yaml', text)).toThrow(message);
});
