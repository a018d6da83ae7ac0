/**
 * The gateway bootstrap's stats settings: per-cluster stats of the controller's clusters are left out
 * by default (a prefix matcher that covers every cluster name the translator gives, and none of the
 * bootstrap's own clusters), and kept, created on first use, with `clusterStats`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { XDS_CLUSTER_NAME } from '../translator/common.js';
import { ADMIN_CLUSTER_NAME } from '../translator/listener-metrics.js';
import { buildBootstrap, DYNAMIC_CLUSTER_PREFIXES, statsSettings } from './bootstrap.js';

const GOLDEN_CASES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test/golden/cases');
const BASE = { group: 'edge', xdsHost: '10.0.0.1', xdsPort: 18000, nodeId: 'gw', adminPort: 9901 };

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The names of every cluster in the gateway golden outputs. */
function goldenClusterNames(): string[] {
  const names = new Set<string>();
  for (const file of fs.readdirSync(GOLDEN_CASES).filter((f) => f.endsWith('.xds.yaml'))) {
    const groups = (parse(fs.readFileSync(path.join(GOLDEN_CASES, file), 'utf8')) ?? {}) as Obj;
    for (const group of Object.values(groups) as Obj[]) {
      for (const c of (group?.['clusters'] ?? []) as Obj[]) names.add(c['name'] as string);
    }
  }
  return [...names].sort();
}

/** Whether Envoy's exclusion list (prefix patterns) rejects the stat `name`. */
function excluded(settings: Obj, name: string): boolean {
  const patterns = (settings['stats_config']?.['stats_matcher']?.['exclusion_list']?.['patterns'] ??
    []) as Obj[];
  return patterns.some((p) => name.startsWith(p['prefix'] as string));
}

describe('gateway bootstrap stats settings', () => {
  test('by default, every per-cluster stat of a cluster from the controller is left out', () => {
    const b = buildBootstrap(BASE) as Obj;
    const names = goldenClusterNames();
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      expect({ name, excluded: excluded(b, `cluster.${name}.upstream_rq_total`) }).toEqual({
        name,
        excluded: true,
      });
    }
    expect(b['deferred_stat_options']).toBeUndefined();
  });

  test("the bootstrap's own clusters and the global stats stay", () => {
    const b = buildBootstrap(BASE) as Obj;
    for (const stat of [
      `cluster.${XDS_CLUSTER_NAME}.upstream_cx_total`,
      `cluster.${ADMIN_CLUSTER_NAME}.upstream_rq_total`,
      'cluster_manager.active_clusters',
      'cluster_manager.cds.update_success',
      'http.http.downstream_rq_total',
      'server.memory_allocated',
    ])
      expect({ stat, excluded: excluded(b, stat) }).toEqual({ stat, excluded: false });
  });

  test('every prefix is a cluster name prefix (ends with "/", as the translator names clusters)', () => {
    for (const p of DYNAMIC_CLUSTER_PREFIXES) expect(p).toMatch(/^[a-z]+\/$/);
  });

  test('clusterStats keeps them, created on first use', () => {
    const b = buildBootstrap({ ...BASE, clusterStats: true }) as Obj;
    expect(b['stats_config']).toBeUndefined();
    expect(b['deferred_stat_options']).toEqual({ enable_deferred_creation_stats: true });
    expect(excluded(b, 'cluster.service/default/web/80.upstream_rq_total')).toBe(false);
    expect(statsSettings(true)).toEqual({ deferred_stat_options: { enable_deferred_creation_stats: true } });
  });
});
