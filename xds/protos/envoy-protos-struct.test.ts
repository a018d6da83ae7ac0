/**
 * google.protobuf.Struct fields (route metadata, an access log's json_format, set_metadata values) are
 * encoded with their content and decode back to the same JSON: protobufjs alone would encode a plain
 * object as an empty Struct, and Envoy would log `{}` and never see the metadata.
 */
import type protobuf from 'protobufjs';
import { decodeResource, encodeResource, messageType, RESOURCE_TYPES } from './envoy-protos.js';

const metadata = { access_log: false, n: 1.5, s: 'x', l: [1, 'a', null, { q: 'r' }], o: { p: true } };
const route = {
  name: 'r',
  virtual_hosts: [
    {
      name: 'v',
      domains: ['*'],
      routes: [
        {
          match: { prefix: '/' },
          direct_response: { status: 200 },
          metadata: { filter_metadata: { causeway: metadata } },
        },
      ],
    },
  ],
};

test('a Struct round-trips through the encoder with every kind of value', () => {
  expect(decodeResource(RESOURCE_TYPES.route, encodeResource(RESOURCE_TYPES.route, route))).toEqual(route);
});

test('the encoded bytes hold the values (not an empty Struct)', () => {
  const bytes = encodeResource(RESOURCE_TYPES.route, route);
  // Decoded without the JSON wrappers: the raw Struct has a `fields` map with the string value in it.
  const raw = messageType('envoy.config.route.v3.RouteConfiguration').decode(bytes) as unknown as {
    virtual_hosts: { routes: { metadata: { filter_metadata: Record<string, protobuf.Message> } }[] }[];
  };
  const struct = raw.virtual_hosts[0]!.routes[0]!.metadata.filter_metadata['causeway'] as unknown as {
    fields: Record<string, { stringValue?: string; boolValue?: boolean }>;
  };
  expect(struct.fields['s']?.stringValue).toBe('x');
  expect(struct.fields['access_log']?.boolValue).toBe(false);
});
