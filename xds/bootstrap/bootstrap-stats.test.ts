/**
 * The gateway bootstrap's per-cluster settings: by default a cluster's traffic stats and each worker's
 * copy of a cluster are created on first use; `clusterStats` asks for Envoy's default (every stat of a
 * cluster when it arrives). Never a stats matcher that leaves per-cluster stats out (Envoy 1.40 then
 * keeps a once-unhealthy endpoint out of rotation).
 */
import { buildBootstrap, statsSettings } from './bootstrap.js';

const BASE = { group: 'edge', xdsHost: '10.0.0.1', xdsPort: 18000, nodeId: 'gw', adminPort: 9901 };

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('gateway bootstrap per-cluster settings', () => {
  test("by default, a cluster's traffic stats are created on first use", () => {
    const b = buildBootstrap(BASE) as Obj;
    expect(b['deferred_stat_options']).toEqual({ enable_deferred_creation_stats: true });
    expect(statsSettings(false)).toEqual({ deferred_stat_options: { enable_deferred_creation_stats: true } });
  });

  test('clusterStats: every per-cluster stat up front (no deferred creation)', () => {
    const b = buildBootstrap({ ...BASE, clusterStats: true }) as Obj;
    expect(b['deferred_stat_options']).toBeUndefined();
    expect(statsSettings(true)).toEqual({});
  });

  test('no stats matcher either way: no per-cluster stat is ever left out', () => {
    for (const clusterStats of [false, true]) {
      expect((buildBootstrap({ ...BASE, clusterStats }) as Obj)['stats_config']).toBeUndefined();
    }
  });

  test("workers build their copy of a cluster on the cluster's first request", () => {
    for (const clusterStats of [false, true]) {
      expect((buildBootstrap({ ...BASE, clusterStats }) as Obj)['cluster_manager']).toEqual({
        enable_deferred_cluster_creation: true,
      });
    }
  });
});
