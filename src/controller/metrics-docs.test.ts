/**
 * docs/metrics.md is a contract: it lists every metric a controller registers (controller-wide, xDS and
 * AWS subsystems on one shared registry) with its type and label names, and nothing else.
 */
import fs from 'node:fs';
import path from 'node:path';
import { register as globalRegistry, type Registry } from 'prom-client';
import { AwsMetrics } from '../alb/aws/aws-metrics.js';
import { ControllerMetrics } from '../observability/metrics.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { XdsMetrics } from '../../xds/server/xds-metrics.js';

describe('docs/metrics.md', () => {
  interface DocRow {
    readonly type: string;
    readonly labels: readonly string[];
  }
  const docPath = path.resolve(process.cwd(), 'docs/metrics.md');
  const rows = new Map<string, DocRow>();
  for (const line of fs.readFileSync(docPath, 'utf8').split('\n')) {
    const m = /^\|\s*`(causeway_[a-z0-9_]+)`\s*\|\s*([a-z]+)\s*\|([^|]*)\|/.exec(line);
    if (!m) continue;
    const labels = [...(m[3] ?? '').matchAll(/`([a-zA-Z_][a-zA-Z0-9_]*)`/g)].map((l) => l[1] as string);
    rows.set(m[1] as string, { type: m[2] as string, labels: labels.sort() });
  }

  /**
   * The metrics a controller registers, wired as the controller wires them (the shared registry of
   * ControllerMetrics, plus the xDS and AWS subsystems), with every series exercised so that their label
   * names show in the registry.
   */
  function exercised(): Registry {
    const metrics = new ControllerMetrics();
    const xds = new XdsMetrics(metrics.registry);
    new AwsMetrics(metrics.registry);
    metrics.recordTranslation('full', 'ok', 0.01);
    xds.recordPush('edge', RESOURCE_TYPES.cluster, 10);
    xds.recordAck('edge', RESOURCE_TYPES.cluster);
    xds.recordNack('edge', RESOURCE_TYPES.cluster);
    xds.gatewayConnected('edge', 'sotw');
    xds.recordUnknownType('edge');
    xds.recordStreamCut('handshake_timeout');
    metrics.observeChangeToPush(0.01);
    metrics.setClusterAvailable('east', true);
    metrics.setRejectedObjects([{ group: 'edge', kind: 'Ingress', count: 1 }]);
    return metrics.registry;
  }

  it('registers every subsystem on the shared registry, none on the global one', () => {
    exercised();
    expect(globalRegistry.getMetricsAsArray().filter((m) => m.name.startsWith('causeway_'))).toEqual([]);
  });

  it('documents every registered metric with its type', async () => {
    const registered = await exercised().getMetricsAsJSON();
    expect(registered.length).toBeGreaterThan(10);
    const missing = registered.filter((m) => !rows.has(m.name)).map((m) => m.name);
    expect(missing).toEqual([]);
    for (const m of registered)
      expect({ name: m.name, type: rows.get(m.name)?.type }).toEqual({ name: m.name, type: m.type });
  });

  it("documents the controller metrics' exact label names, and no metric that does not exist", async () => {
    const registered = await exercised().getMetricsAsJSON();
    const own = registered.filter((m) => !/^causeway_(process|nodejs)_/.test(m.name));
    expect(own.map((m) => m.name).sort()).toEqual(
      [...rows.keys()].filter((n) => !/^causeway_(process|nodejs)_/.test(n)).sort(),
    );
    for (const m of own) {
      const labels = new Set<string>();
      for (const v of m.values) for (const k of Object.keys(v.labels)) if (k !== 'le') labels.add(k);
      expect({ name: m.name, labels: [...labels].sort() }).toEqual({
        name: m.name,
        labels: rows.get(m.name)?.labels,
      });
    }
  });
});
