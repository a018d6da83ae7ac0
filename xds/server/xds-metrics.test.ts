import { Registry } from 'prom-client';
import { RESOURCE_TYPES } from '../protos/envoy-protos.js';
import { scrape, value } from '../../src/observability/testdata/exposition.js';
import { XdsMetrics, xdsTypeLabel } from './xds-metrics.js';

describe('XdsMetrics', () => {
  it('labels xDS metrics with the short resource kind, never the type URL', async () => {
    const registry = new Registry();
    const metrics = new XdsMetrics(registry);
    metrics.recordPush('edge', RESOURCE_TYPES.listener, 1200);
    metrics.recordPush('edge', RESOURCE_TYPES.listener, 300);
    metrics.recordPush('edge', RESOURCE_TYPES.endpoint, 50);
    metrics.recordPush('internal', RESOURCE_TYPES.secret, 4000);
    metrics.recordAck('edge', RESOURCE_TYPES.route);
    metrics.recordNack('edge', RESOURCE_TYPES.route);
    metrics.recordNack('edge', 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig');

    expect(await value(registry, 'causeway_xds_pushes_total', { group: 'edge', type: 'listener' })).toBe(2);
    expect(await value(registry, 'causeway_xds_push_bytes_total', { group: 'edge', type: 'listener' })).toBe(
      1500,
    );
    expect(await value(registry, 'causeway_xds_pushes_total', { group: 'edge', type: 'endpoint' })).toBe(1);
    expect(
      await value(registry, 'causeway_xds_push_bytes_total', { group: 'internal', type: 'secret' }),
    ).toBe(4000);
    expect(await value(registry, 'causeway_xds_acks_total', { group: 'edge', type: 'route' })).toBe(1);
    expect(await value(registry, 'causeway_xds_nacks_total', { group: 'edge', type: 'route' })).toBe(1);
    expect(await value(registry, 'causeway_xds_nacks_total', { group: 'edge', type: 'unknown' })).toBe(1);

    const typeValues = new Set(
      (await scrape(registry)).filter((s) => s.name.startsWith('causeway_xds_')).map((s) => s.labels['type']),
    );
    expect([...typeValues].sort()).toEqual(['endpoint', 'listener', 'route', 'secret', 'unknown']);
  });

  it('maps every served type URL (and a bare kind) to its kind', () => {
    for (const [kind, url] of Object.entries(RESOURCE_TYPES)) {
      expect(xdsTypeLabel(url)).toBe(kind);
      expect(xdsTypeLabel(kind)).toBe(kind);
    }
    expect(xdsTypeLabel('toString')).toBe('unknown');
    expect(xdsTypeLabel('')).toBe('unknown');
  });

  it('tracks connected gateways per group and stream, never below 0', async () => {
    const registry = new Registry();
    const metrics = new XdsMetrics(registry);
    metrics.gatewayConnected('edge', 'sotw');
    metrics.gatewayConnected('edge', 'sotw');
    metrics.gatewayConnected('edge', 'delta');
    metrics.gatewayConnected('internal', 'sotw');
    metrics.gatewayDisconnected('edge', 'sotw');
    expect(await value(registry, 'causeway_xds_connected_gateways', { group: 'edge', stream: 'sotw' })).toBe(
      1,
    );
    expect(await value(registry, 'causeway_xds_connected_gateways', { group: 'edge', stream: 'delta' })).toBe(
      1,
    );
    expect(
      await value(registry, 'causeway_xds_connected_gateways', { group: 'internal', stream: 'sotw' }),
    ).toBe(1);
    metrics.gatewayDisconnected('edge', 'delta');
    metrics.gatewayDisconnected('edge', 'delta');
    expect(await value(registry, 'causeway_xds_connected_gateways', { group: 'edge', stream: 'delta' })).toBe(
      0,
    );
    metrics.gatewayConnected('edge', 'delta');
    expect(await value(registry, 'causeway_xds_connected_gateways', { group: 'edge', stream: 'delta' })).toBe(
      1,
    );
  });

  it('labels only known groups by name; any group a client makes up counts under _unknown', async () => {
    const registry = new Registry();
    let known: ReadonlySet<string> = new Set(['edge']);
    const metrics = new XdsMetrics(registry, { knownGroups: () => known });
    for (let i = 0; i < 1000; i++) {
      metrics.recordNack(`made-up-${i}`, RESOURCE_TYPES.cluster);
      metrics.recordUnknownType(`made-up-${i}`);
    }
    metrics.recordPush('edge', RESOURCE_TYPES.cluster, 10);
    metrics.recordPush('nope', RESOURCE_TYPES.cluster, 5);
    metrics.gatewayConnected('edge', 'sotw');
    metrics.gatewayConnected('later', 'sotw');
    metrics.gatewayConnected('other', 'sotw');
    const groups = new Set(
      (await scrape(registry))
        .filter((s) => s.name.startsWith('causeway_xds_'))
        .map((s) => s.labels['group']),
    );
    expect([...groups].filter((g) => g !== undefined).sort()).toEqual(['_unknown', 'edge']);
    expect(await value(registry, 'causeway_xds_nacks_total', { group: '_unknown', type: 'cluster' })).toBe(
      1000,
    );
    expect(await value(registry, 'causeway_xds_unknown_type_requests_total', { group: '_unknown' })).toBe(
      1000,
    );
    expect(await value(registry, 'causeway_xds_pushes_total', { group: '_unknown', type: 'cluster' })).toBe(
      1,
    );
    const connected = (group: string): Promise<number | undefined> =>
      value(registry, 'causeway_xds_connected_gateways', { group, stream: 'sotw' });
    expect(await connected('_unknown')).toBe(2);
    // An Ingress now references `later`: its open connection moves to its own label at the next scrape.
    known = new Set(['edge', 'later']);
    expect(await connected('later')).toBe(1);
    expect(await connected('_unknown')).toBe(1);
    metrics.gatewayDisconnected('later', 'sotw');
    metrics.gatewayDisconnected('other', 'sotw');
    expect(await connected('later')).toBe(0);
    expect(await connected('_unknown')).toBe(0);
    expect(await connected('edge')).toBe(1);
  });

  it('counts streams cut off, by reason', async () => {
    const registry = new Registry();
    const metrics = new XdsMetrics(registry);
    metrics.recordStreamCut('handshake_timeout');
    metrics.recordStreamCut('request_queue_full');
    metrics.recordStreamCut('request_queue_full');
    expect(await value(registry, 'causeway_xds_streams_cut_total', { reason: 'handshake_timeout' })).toBe(1);
    expect(await value(registry, 'causeway_xds_streams_cut_total', { reason: 'request_queue_full' })).toBe(2);
  });

  it('serves counters and a gauge with HELP and TYPE lines', async () => {
    const registry = new Registry();
    new XdsMetrics(registry);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE causeway_xds_pushes_total counter');
    expect(text).toContain('# TYPE causeway_xds_connected_gateways gauge');
    expect(text).toContain('# HELP causeway_xds_nacks_total ');
  });
});
