import type { EncodedResource } from '../cache/config-watcher.js';
import { RESOURCE_TYPES } from '../protos/envoy-protos.js';
import { decodeDiscoveryResponse, encodeDiscoveryResponse } from './discovery-messages.js';
import { sotwResponse } from './sotw-stream.js';
import type { Push } from './stream-machine.js';

const CDS = RESOURCE_TYPES.cluster;

const resources: EncodedResource[] = ['a', 'b', 'c'].map((name, i) => ({
  name,
  version: `v${i}`,
  value: new Uint8Array([10, 1, 97 + i]),
}));

const push = (nonce: string, shared?: object): Push => ({
  typeUrl: CDS,
  nonce,
  version: 'ver',
  resources,
  removed: [],
  ...(shared ? { shared } : {}),
});

test('a shared SotW response decodes to the same message as one encoded whole', () => {
  const set = new Map(resources.map((r) => [r.name, r]));
  const shared = decodeDiscoveryResponse(encodeDiscoveryResponse(sotwResponse(push('n1', set))));
  const whole = decodeDiscoveryResponse(encodeDiscoveryResponse(sotwResponse(push('n1'))));
  expect(shared).toEqual(whole);
  expect(shared.resources.map((r) => r.value[2])).toEqual([97, 98, 99]);
  expect(shared).toMatchObject({ version_info: 'ver', type_url: CDS, nonce: 'n1' });
});

test('streams sending the same resource set share one encoding of it; another set gets its own', () => {
  const set = new Map(resources.map((r) => [r.name, r]));
  const one = sotwResponse(push('n1', set)).encoded_resources;
  const two = sotwResponse(push('n2', set)).encoded_resources;
  expect(one).toBeDefined();
  expect(two).toBe(one);
  expect(sotwResponse(push('n3', new Map(set))).encoded_resources).not.toBe(one);
  expect(sotwResponse(push('n4')).encoded_resources).toBeUndefined();
});
