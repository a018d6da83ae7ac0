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

test('health ports are read, top-level and per group', () => {
  expect(
    parseControllerConfig('c.yaml', 'healthPort: 8081\ngroups:\n  edge: { healthPort: 9901 }\n'),
  ).toEqual({
    healthPort: 8081,
    groups: { edge: { healthPort: 9901 } },
    groupAddresses: {},
    clusters: [],
  });
});

test('the load-balancing default is read, top-level and per group', () => {
  expect(
    parseControllerConfig(
      'c.yaml',
      'loadBalancing: least-request\ngroups:\n  edge: { loadBalancing: maglev }\n',
    ),
  ).toEqual({
    loadBalancing: 'least-request',
    groups: { edge: { loadBalancing: 'maglev' } },
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
  ['healthPort: 70000', /healthPort must be a port number/],
  ['groups:\n  edge: { healthPort: x }', /groups.edge.healthPort must be a port number/],
  ['groups:\n  Edge: {}', /group name "Edge" is not a DNS label/],
  [
    'loadBalancing: ewma',
    /loadBalancing must be one of round-robin, least-request, ring-hash, maglev, random, got "ewma"/,
  ],
  ['loadBalancing: [maglev]', /loadBalancing must be one of/],
  [
    'groups:\n  edge: { loadBalancing: least_request }',
    /groups.edge.loadBalancing must be one of .* got "least_request"/,
  ],
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

describe('vms', () => {
  test('entries are read, with the defaults (cluster vms, unnamed port) and canonical IPv6', () => {
    const text = [
      'vms:',
      '  - { service: shop/api, port: http, addresses: [192.0.2.10, 192.0.2.11], targetPort: 8080, zone: dc1, cluster: vm-dc1 }',
      '  - { service: shop/web, addresses: ["2001:DB8:0::10", 198.51.100.7], targetPort: 80 }',
    ].join('\n');
    expect(parseControllerConfig('c.yaml', text)).toEqual({
      groups: {},
      groupAddresses: {},
      clusters: [],
      vms: [
        {
          namespace: 'shop',
          service: 'api',
          portName: 'http',
          addresses: ['192.0.2.10', '192.0.2.11'],
          targetPort: 8080,
          zone: 'dc1',
          cluster: 'vm-dc1',
        },
        {
          namespace: 'shop',
          service: 'web',
          portName: '',
          addresses: ['2001:db8::10', '198.51.100.7'],
          targetPort: 80,
          cluster: 'vms',
        },
      ],
    });
  });

  test('loopback addresses are accepted (local tests; the controller does not go through an apiserver)', () => {
    const c = parseControllerConfig(
      'c.yaml',
      'vms:\n  - { service: a/b, addresses: [127.0.0.2, "::1"], targetPort: 1 }',
    );
    expect(c.vms?.[0]?.addresses).toEqual(['127.0.0.2', '::1']);
  });

  test('the same address may serve two ports, or the same port in two clusters', () => {
    const text = [
      'vms:',
      '  - { service: a/b, port: http, addresses: [192.0.2.1], targetPort: 80 }',
      '  - { service: a/b, port: grpc, addresses: [192.0.2.1], targetPort: 90 }',
      '  - { service: a/b, port: http, addresses: [192.0.2.1], targetPort: 80, cluster: other }',
    ].join('\n');
    expect(parseControllerConfig('c.yaml', text).vms).toHaveLength(3);
  });

  test.each([
    ['vms: { a: 1 }', /vms must be a list/],
    ['vms: [1]', /vms\[0\] must be a mapping/],
    [
      'vms:\n  - { service: api, addresses: [192.0.2.1], targetPort: 80 }',
      /vms\[0\].service must be NAMESPACE\/NAME/,
    ],
    [
      'vms:\n  - { service: Shop/api, addresses: [192.0.2.1], targetPort: 80 }',
      /service must be NAMESPACE\/NAME/,
    ],
    [
      'vms:\n  - { service: shop/1api, addresses: [192.0.2.1], targetPort: 80 }',
      /service must be NAMESPACE\/NAME/,
    ],
    [
      'vms:\n  - { service: shop/api, addresses: [192.0.2.1], targetPort: 80, prot: x }',
      /unknown key vms\[0\].prot/,
    ],
    [
      'vms:\n  - { service: shop/api, port: HTTP, addresses: [192.0.2.1], targetPort: 80 }',
      /port must be the name of a Service port/,
    ],
    [
      'vms:\n  - { service: shop/api, port: 80, addresses: [192.0.2.1], targetPort: 80 }',
      /port must be the name of a Service port/,
    ],
    ['vms:\n  - { service: shop/api, addresses: [192.0.2.1] }', /targetPort is required/],
    [
      'vms:\n  - { service: shop/api, addresses: [192.0.2.1], targetPort: 70000 }',
      /targetPort must be a port number/,
    ],
    ['vms:\n  - { service: shop/api, addresses: [], targetPort: 80 }', /addresses must be a non-empty list/],
    [
      'vms:\n  - { service: shop/api, addresses: 192.0.2.1, targetPort: 80 }',
      /addresses must be a non-empty list/,
    ],
    [
      'vms:\n  - { service: shop/api, addresses: [vm1.example.com], targetPort: 80 }',
      /addresses\[0\] is not an IP address/,
    ],
    ['vms:\n  - { service: shop/api, addresses: [192.0.2.300], targetPort: 80 }', /is not an IP address/],
    ['vms:\n  - { service: shop/api, addresses: ["fe80::1%eth0"], targetPort: 80 }', /is not an IP address/],
    [
      'vms:\n  - { service: shop/api, addresses: [0.0.0.0], targetPort: 80 }',
      /0.0.0.0 is the unspecified address/,
    ],
    ['vms:\n  - { service: shop/api, addresses: [239.1.1.1], targetPort: 80 }', /is a multicast address/],
    ['vms:\n  - { service: shop/api, addresses: ["::ffff:192.0.2.1"], targetPort: 80 }', /IPv4-mapped/],
    [
      'vms:\n  - { service: shop/api, addresses: [192.0.2.1, 192.0.2.1], targetPort: 80 }',
      /listed twice .*first at vms\[0\].addresses\[0\]/,
    ],
    [
      'vms:\n  - { service: shop/api, addresses: [192.0.2.1], targetPort: 80 }\n  - { service: shop/api, addresses: [192.0.2.1], targetPort: 81 }',
      /vms\[1\].addresses\[0\]: 192.0.2.1 is listed twice/,
    ],
    [
      'vms:\n  - { service: shop/api, addresses: ["2001:db8::1", "2001:DB8::1"], targetPort: 80 }',
      /listed twice/,
    ],
    [
      'vms:\n  - { service: shop/api, addresses: [192.0.2.1], targetPort: 80, zone: "" }',
      /zone must be a zone name/,
    ],
    [
      'vms:\n  - { service: shop/api, addresses: [192.0.2.1], targetPort: 80, zone: "a b" }',
      /zone must be a zone name/,
    ],
    [
      'vms:\n  - { service: shop/api, addresses: [192.0.2.1], targetPort: 80, cluster: VMs }',
      /cluster must be a locality cluster name/,
    ],
  ])('%s is rejected with a clear message', (text, message) => {
    expect(() => parseControllerConfig('c.yaml', text)).toThrow(CausewayError);
    expect(() => parseControllerConfig('c.yaml', text)).toThrow(message);
  });
});

describe('manifests', () => {
  it('reads the size caps', () => {
    expect(
      parseControllerConfig('c.yaml', 'manifests: { maxFileBytes: 1048576, maxTotalBytes: 10485760 }\n')
        .manifests,
    ).toEqual({ maxFileBytes: 1048576, maxTotalBytes: 10485760 });
    expect(parseControllerConfig('c.yaml', 'httpPort: 80\n').manifests).toBeUndefined();
  });

  it.each([
    ['manifests: { maxFileBytes: 0 }', 'manifests.maxFileBytes must be a whole number of bytes'],
    ['manifests: { maxTotalBytes: "8Mi" }', 'manifests.maxTotalBytes must be a whole number of bytes'],
    ['manifests: { maxBytes: 1 }', 'unknown key manifests.maxBytes'],
    ['manifests: [1]', 'manifests must be a mapping'],
  ])('refuses %s', (text, message) => {
    expect(() => parseControllerConfig('c.yaml', text)).toThrow(message);
  });
});
