/** The health listener and the draining forms of a group's listeners. */
import type { GatewayGroupIR } from '../../src/ir/ir-types.js';
import { RESOURCE_TYPES, encodeResource } from '../protos/envoy-protos.js';
import { translateHealthListener } from './health.translator.js';
import { drainingResources, translateGroup } from './xds.translator.js';

type Obj = Record<string, unknown>;

function hcm(listener: object): Obj {
  const chains = (listener as Obj)['filter_chains'] as Array<{ filters: Array<{ typed_config: Obj }> }>;
  return chains[0]!.filters[0]!.typed_config;
}

const health = { name: 'health', port: 8081, path: '/healthz' };

test('serving: the health check filter answers the path itself, every other path gets 404', () => {
  const l = translateHealthListener(health);
  const m = hcm(l);
  const filters = m['http_filters'] as Array<{ name: string; typed_config: Obj }>;
  expect(filters.map((f) => f.name)).toEqual([
    'envoy.filters.http.health_check',
    'envoy.filters.http.router',
  ]);
  expect(filters[0]!.typed_config).toMatchObject({
    pass_through_mode: false,
    headers: [{ name: ':path', string_match: { exact: '/healthz' } }],
  });
  expect(JSON.stringify(m['route_config'])).not.toContain('draining');
  // One request per connection (both forms): a keep-alive checker always sees the current form.
  expect(m['common_http_protocol_options']).toMatchObject({ max_requests_per_connection: 1 });
  expect(hcm(translateHealthListener(health, true))['common_http_protocol_options']).toMatchObject({
    max_requests_per_connection: 1,
  });
  expect(() => encodeResource(RESOURCE_TYPES.listener, l)).not.toThrow();
});

test('draining: the path answers 503 "draining" (no health check filter that could say 200)', () => {
  const l = translateHealthListener(health, true);
  const m = hcm(l);
  expect((m['http_filters'] as Array<{ name: string }>).map((f) => f.name)).toEqual([
    'envoy.filters.http.router',
  ]);
  const routes = ((m['route_config'] as Obj)['virtual_hosts'] as Array<{ routes: Obj[] }>)[0]!.routes;
  expect(routes[0]).toEqual({
    match: { path: '/healthz' },
    direct_response: { status: 503, body: { inline_string: 'draining\n' } },
  });
  expect(() => encodeResource(RESOURCE_TYPES.listener, l)).not.toThrow();
});

const group: GatewayGroupIR = {
  name: 'default',
  http: { name: 'http', port: 8080, virtualHosts: [] },
  health,
  tcp: [
    {
      name: 'tcp/9000',
      port: 9000,
      backend: 'service/default/kafka/9092',
      source: { kind: 'Service', name: 'kafka' },
    },
  ],
  backends: [],
  secrets: [],
};

test('HTTP and health listeners have a draining form, TCP listeners none; the rest is unchanged', () => {
  const { resources } = translateGroup(group);
  const listeners = resources.get(RESOURCE_TYPES.listener)!;
  expect(listeners.map((l) => [l.name, l.draining !== undefined])).toEqual([
    ['health', true],
    ['http', true],
    ['tcp/9000', false],
  ]);
  const http = listeners.find((l) => l.name === 'http')!;
  const serving = hcm(http.resource)['common_http_protocol_options'] as Obj;
  const draining = hcm(http.draining!)['common_http_protocol_options'] as Obj;
  expect(serving['max_requests_per_connection']).toBeUndefined();
  expect(draining).toEqual({ ...serving, max_requests_per_connection: 1 });

  const drained = drainingResources(resources);
  expect(drained.get(RESOURCE_TYPES.listener)!.map((l) => l.resource)).toEqual(
    listeners.map((l) => l.draining ?? l.resource),
  );
  for (const t of [RESOURCE_TYPES.cluster, RESOURCE_TYPES.route])
    expect(drained.get(t)).toEqual(resources.get(t));
});

test('a group without healthPort has no health listener', () => {
  const { health: _, ...rest } = group;
  const names = translateGroup(rest)
    .resources.get(RESOURCE_TYPES.listener)!
    .map((l) => l.name);
  expect(names).toEqual(['http', 'tcp/9000']);
});
