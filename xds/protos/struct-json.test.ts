/** Route metadata (a google.protobuf.Struct in proto3 JSON) survives encoding: strings, numbers, nesting. */
import { decodeResource, encodeResource, RESOURCE_TYPES } from './envoy-protos.js';
import { structFromJson } from './struct-json.js';

test('a Struct in JSON form becomes protobufjs fields and encodes with its values', () => {
  expect(structFromJson({ a: 'x', n: 2, b: true, z: null, l: ['y'], o: { k: 'v' } })).toEqual({
    fields: {
      a: { stringValue: 'x' },
      n: { numberValue: 2 },
      b: { boolValue: true },
      z: { nullValue: 'NULL_VALUE' },
      l: { listValue: { values: [{ stringValue: 'y' }] } },
      o: { structValue: { fields: { k: { stringValue: 'v' } } } },
    },
  });
  const route = {
    name: 'rc',
    virtual_hosts: [
      {
        name: 'v',
        domains: ['*'],
        routes: [
          {
            name: 'r',
            match: { prefix: '/' },
            metadata: { filter_metadata: { ns: { url: 'https://login', param: 'rd' } } },
            direct_response: { status: 200 },
          },
        ],
      },
    ],
  };
  const decoded = decodeResource(RESOURCE_TYPES.route, encodeResource(RESOURCE_TYPES.route, route));
  expect(JSON.stringify(decoded)).toContain('"url":{"stringValue":"https://login"}');
  expect(JSON.stringify(decoded)).toContain('"param":{"stringValue":"rd"}');
});
