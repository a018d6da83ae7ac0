/** The tracing collector's own cluster and the HCM's tracing, and the guard's rule for DNS endpoints. */
import type { TracingIR } from '../../src/ir/ir-types.js';
import { RESOURCE_TYPES, encodeResource } from '../protos/envoy-protos.js';
import { tracingCollectorCluster } from './cluster-tracing.js';
import { hcmTracing } from './listener-tracing.js';
import { valueProblem } from './resource-rules.js';
import { tracedRouteConfiguration } from './route-tracing.js';

const at = (host: string): TracingIR => ({
  serviceName: 'edge',
  samplingPercent: 2.5,
  collector: { kind: 'address', cluster: 'tracing/collector', host, port: 4317 },
});

test('an IP collector gets a STATIC cluster, a DNS name a STRICT_DNS one; both HTTP/2 and accepted by the guard', () => {
  const ip = tracingCollectorCluster(at('10.0.0.5'))!.resource as Record<string, unknown>;
  const dns = tracingCollectorCluster(at('otel.example.com'))!.resource as Record<string, unknown>;
  expect(ip['type']).toBe('STATIC');
  expect(dns['type']).toBe('STRICT_DNS');
  expect(dns['dns_lookup_family']).toBe('V4_PREFERRED');
  for (const c of [ip, dns]) {
    expect(valueProblem(c, '', '', 1)).toBeUndefined();
    expect(() => encodeResource(RESOURCE_TYPES.cluster, c)).not.toThrow();
    expect(JSON.stringify(c)).toContain('http2_protocol_options');
  }
});

test('the guard still refuses a DNS name outside a STRICT_DNS cluster, and a bad name inside one', () => {
  const dns = tracingCollectorCluster(at('otel.example.com'))!.resource as Record<string, unknown>;
  expect(valueProblem({ ...dns, type: 'STATIC' }, '', '', 1)).toMatch(/address is not an IP address$/);
  const bad = JSON.parse(JSON.stringify(dns).replace('otel.example.com', 'otel_collector!')) as object;
  expect(valueProblem(bad, '', '', 1)).toMatch(/address is not an IP address or DNS name/);
});

test('a Service collector or no tracing has no cluster of its own; no tracing adds nothing anywhere', () => {
  expect(tracingCollectorCluster(undefined)).toBeUndefined();
  expect(
    tracingCollectorCluster({
      ...at('10.0.0.5'),
      collector: { kind: 'backend', backend: 'service/o/c/4317' },
    }),
  ).toBeUndefined();
  expect(hcmTracing(undefined)).toEqual({});
  const rc = { name: 'http', virtual_hosts: [{ name: '*', domains: ['*'], routes: [{ name: 'r' }] }] };
  expect(tracedRouteConfiguration(rc, undefined)).toBe(rc);
});

test('the HCM sends to the collector cluster at the sampling share, with a span per upstream request', () => {
  const backend: TracingIR = { ...at('x'), collector: { kind: 'backend', backend: 'service/o/c/4317' } };
  const t = hcmTracing(backend) as { tracing: Record<string, unknown> };
  expect(t.tracing['random_sampling']).toEqual({ value: 2.5 });
  expect(t.tracing['spawn_upstream_span']).toBe(true);
  expect(JSON.stringify(t.tracing['provider'])).toContain('"cluster_name":"service/o/c/4317"');
  expect(JSON.stringify(t.tracing['provider'])).toContain('"service_name":"edge"');
});

test('traced routes are named after themselves, not propagated; a route without a name is left alone', () => {
  const rc = {
    name: 'http',
    virtual_hosts: [
      { name: '*', domains: ['*'], routes: [{ name: 'ingress/a/b/rule/0/path/0' }, { match: {} }] },
    ],
  };
  const out = tracedRouteConfiguration(rc, at('10.0.0.5')) as typeof rc;
  expect(out.virtual_hosts[0]!.routes).toEqual([
    {
      name: 'ingress/a/b/rule/0/path/0',
      decorator: { operation: 'ingress/a/b/rule/0/path/0', propagate: false },
    },
    { match: {} },
  ]);
});
