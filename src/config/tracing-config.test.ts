/** The `tracing:` setting of the config file: read at the top level and per group, strictly validated. */
import { CausewayError } from '../errors.js';
import { parseControllerConfig } from './controller-config.js';
import { translateOptionsFrom } from '../controller/translate-options-from-config.js';
import { groupSettings } from '../translate/translate-options.js';
import { parseCollectorAddress } from '../translate/tracing-settings.js';

test('top-level and group tracing are read; defaults: 1 % sampling, no service name (per group later)', () => {
  const text = [
    'tracing: { collector: otel.example.com:4317, samplingPercent: 12.5, serviceName: shop-edge }',
    'groups:',
    '  edge: { tracing: { collector: { service: observability/otel-collector, port: otlp-grpc } } }',
    '  inner: { tracing: { collector: "[2001:DB8::50]:4317", samplingPercent: 0 } }',
  ].join('\n');
  const c = parseControllerConfig('c.yaml', text);
  expect(c.tracing).toEqual({
    collector: { kind: 'address', host: 'otel.example.com', port: 4317 },
    samplingPercent: 12.5,
    serviceName: 'shop-edge',
  });
  expect(c.groups['edge']).toEqual({
    tracing: {
      collector: { kind: 'service', namespace: 'observability', name: 'otel-collector', port: 'otlp-grpc' },
      samplingPercent: 1,
    },
  });
  expect(c.groups['inner']?.tracing).toEqual({
    collector: { kind: 'address', host: '2001:db8::50', port: 4317 },
    samplingPercent: 0,
  });
  // A group's own setting replaces the top-level one; other groups get the top-level one.
  const options = translateOptionsFrom(c, {});
  expect(groupSettings(options, 'edge').tracing?.collector.kind).toBe('service');
  expect(groupSettings(options, 'other').tracing?.serviceName).toBe('shop-edge');
  expect(translateOptionsFrom(parseControllerConfig('c.yaml', 'httpPort: 80'), {}).defaults.tracing).toBe(
    undefined,
  );
});

test('tracing: false in a group turns the top-level tracing off there only; at the top level it is off', () => {
  const text = [
    'tracing: { collector: otel:4317 }',
    'groups:',
    '  internal: { tracing: false, httpPort: 9080 }',
    '  edge: { httpPort: 80 }',
  ].join('\n');
  const options = translateOptionsFrom(parseControllerConfig('c.yaml', text), {});
  expect(groupSettings(options, 'internal').tracing).toBeUndefined();
  expect(groupSettings(options, 'internal').httpPort).toBe(9080);
  expect(groupSettings(options, 'edge').tracing?.collector).toEqual({
    kind: 'address',
    host: 'otel',
    port: 4317,
  });
  expect(parseControllerConfig('c.yaml', 'tracing: false').tracing).toBeUndefined();
  expect(() => parseControllerConfig('c.yaml', 'groups:\n  a: { tracing: true }')).toThrow(
    /groups.a.tracing must be a mapping \{collector, samplingPercent, serviceName\} or false/,
  );
});

test('a Service port may be a number', () => {
  const c = parseControllerConfig('c.yaml', 'tracing: { collector: { service: obs/otel, port: 4317 } }');
  expect(c.tracing?.collector).toEqual({ kind: 'service', namespace: 'obs', name: 'otel', port: 4317 });
});

test.each([
  ['tracing: otel:4317', /tracing must be a mapping/],
  ['tracing: {}', /tracing.collector is required/],
  ['tracing: { collector: otel:4317, sampling: 5 }', /unknown key tracing.sampling/],
  ['tracing: { collector: otel }', /tracing.collector: "otel" is not host:port/],
  ['tracing: { collector: "otel:0" }', /port 0 is not in 1-65535/],
  ['tracing: { collector: "otel:65536" }', /port 65536 is not in 1-65535/],
  ['tracing: { collector: "Otel_Collector:4317" }', /not an IP address or a lowercase DNS name/],
  ['tracing: { collector: "::1:4317" }', /is not host:port/],
  ['tracing: { collector: "[10.0.0.1]:4317" }', /in brackets is not an IPv6 address/],
  ['tracing: { collector: "http://otel:4317" }', /is not host:port/],
  ['tracing: { collector: [otel] }', /tracing.collector must be host:port or \{service/],
  [
    'tracing: { collector: { service: otel, port: 4317 } }',
    /tracing.collector.service must be <namespace>\/<name>/,
  ],
  ['tracing: { collector: { service: a/b/c, port: 4317 } }', /tracing.collector.service must be/],
  ['tracing: { collector: { service: obs/otel } }', /tracing.collector.port must be a Service port/],
  ['tracing: { collector: { service: obs/otel, port: 0 } }', /tracing.collector.port must be a Service port/],
  [
    'tracing: { collector: { service: obs/otel, port: OTLP } }',
    /tracing.collector.port must be a Service port/,
  ],
  ['tracing: { collector: { service: obs/otel, port: 1, tls: true } }', /unknown key tracing.collector.tls/],
  [
    'tracing: { collector: otel:4317, samplingPercent: 101 }',
    /tracing.samplingPercent must be a number from 0 to 100/,
  ],
  [
    'tracing: { collector: otel:4317, samplingPercent: -1 }',
    /tracing.samplingPercent must be a number from 0 to 100/,
  ],
  ['tracing: { collector: otel:4317, samplingPercent: "5%" }', /tracing.samplingPercent must be a number/],
  ['tracing: { collector: otel:4317, serviceName: "" }', /tracing.serviceName must be 1 to 128 characters/],
  ['tracing: { collector: otel:4317, serviceName: "a b" }', /tracing.serviceName must be/],
  [`tracing: { collector: otel:4317, serviceName: ${'a'.repeat(129)} }`, /tracing.serviceName must be/],
  [
    'groups:\n  edge: { tracing: { collector: "otel:x" } }',
    /groups.edge.tracing.collector: "otel:x" is not host:port/,
  ],
])('%s is rejected with a clear message naming the key', (text, message) => {
  expect(() => parseControllerConfig('c.yaml', text)).toThrow(CausewayError);
  expect(() => parseControllerConfig('c.yaml', text)).toThrow(message);
});

test.each([
  ['10.0.0.5:4317', { ok: true, host: '10.0.0.5', port: 4317 }],
  [
    'otel-collector.observability.svc.cluster.local:4317',
    { ok: true, host: 'otel-collector.observability.svc.cluster.local', port: 4317 },
  ],
  ['[::1]:4317', { ok: true, host: '::1', port: 4317 }],
  ['[2001:0db8:0:0:0:0:0:50]:1', { ok: true, host: '2001:db8::50', port: 1 }],
  ['otel:65535', { ok: true, host: 'otel', port: 65535 }],
])('collector address %s', (text, expected) => {
  expect(parseCollectorAddress(text)).toEqual(expected);
});

test.each([
  '',
  ':4317',
  'otel:',
  'otel:4317:1',
  `${'a'.repeat(64)}.example.com:4317`,
  'a..b:4317',
  '-a:4317',
])('collector address %j is refused', (text) => {
  expect(parseCollectorAddress(text).ok).toBe(false);
});
