/** google.protobuf.Struct is written and read in its proto3 JSON form (route metadata, for example). */
import { decodeResource, encodeResource, RESOURCE_TYPES } from './envoy-protos.js';

test('a Struct with every kind of value survives encoding and decoding', () => {
  const meta = { s: 'x', n: 1.5, b: true, z: null, list: ['a', 2, { k: 'v' }], nested: { deep: { x: 'y' } } };
  const config = {
    name: 'http',
    virtual_hosts: [
      {
        name: 'h',
        domains: ['*'],
        routes: [
          { match: { prefix: '/' }, route: { cluster: 'c' }, metadata: { filter_metadata: { ns: meta } } },
        ],
      },
    ],
  };
  const decoded = decodeResource(RESOURCE_TYPES.route, encodeResource(RESOURCE_TYPES.route, config)) as {
    virtual_hosts: { routes: { metadata: unknown }[] }[];
  };
  expect(decoded.virtual_hosts[0]!.routes[0]!.metadata).toEqual({ filter_metadata: { ns: meta } });
});
