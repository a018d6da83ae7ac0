/**
 * The oracle of the incremental translation tests: a stepper that applies each new set of objects the
 * way the runner does (the EndpointSlice fast path for slice-only changes, else
 * IncrementalTranslation.apply, then translateXdsReusing and SnapshotCache.setGroups), and a check that
 * its state equals a from-scratch translate() + translateXds() + setAll byte for byte: IR, diagnostics,
 * served Ingresses, each group's xDS resources and source map as canonical JSON, and the encoded
 * resource versions in the cache. `changed` lists come from diffFingerprints per cluster, as sources
 * compute them.
 */
import type { KubeObject } from '../../src/resources/kube-types.js';
import {
  buildResourceSet,
  objectKey,
  type ResourceSet,
  type Sourced,
} from '../../src/resources/resource-set.js';
import {
  compareChanges,
  diffFingerprints,
  onlyEndpointsChanged,
  servicesOfChangedSlices,
  type ResourceChange,
} from '../../src/sources/source-update.js';
import { IncrementalTranslation, type IncrementalHooks } from '../../src/translate/incremental-translate.js';
import { refreshServiceBackends } from '../../src/translate/refresh-backends.js';
import {
  backendsOfServices,
  indexServiceBackends,
  type ServiceBackendIndex,
} from '../../src/translate/service-backend-index.js';
import { translate } from '../../src/translate/translate.js';
import type { TranslateOptions } from '../../src/translate/translate-options.js';
import type { IR } from '../../src/ir/ir-types.js';
import { SnapshotCache } from '../../xds/cache/snapshot-cache.js';
import { translateXdsReusing, type XdsReuse } from '../../xds/translator/xds-reuse.js';
import {
  translateEndpointsChecked,
  translateXds,
  type XdsTranslation,
} from '../../xds/translator/xds.translator.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';

type Fingerprints = Map<string, { kind: KubeObject['kind']; key: string; fingerprint: string }>;

function fingerprintsOf(objects: readonly Sourced<KubeObject>[]): Map<string, Fingerprints> {
  const byCluster = new Map<string, Fingerprints>();
  for (const s of objects) {
    const key = objectKey(s.object);
    const map = byCluster.get(s.origin.cluster) ?? new Map();
    map.set(`${s.object.kind}|${key}`, { kind: s.object.kind, key, fingerprint: JSON.stringify(s) });
    byCluster.set(s.origin.cluster, map);
  }
  return byCluster;
}

/** The changes between two object lists, per cluster (as each cluster's source reports them), merged. */
export function changesBetween(
  before: readonly Sourced<KubeObject>[],
  after: readonly Sourced<KubeObject>[],
): ResourceChange[] {
  const a = fingerprintsOf(before);
  const b = fingerprintsOf(after);
  const seen = new Set<string>();
  const out: ResourceChange[] = [];
  for (const cluster of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    for (const c of diffFingerprints(a.get(cluster) ?? new Map(), b.get(cluster) ?? new Map())) {
      const id = `${c.kind}|${c.key}|${c.op}`;
      if (!seen.has(id)) out.push(c);
      seen.add(id);
    }
  }
  return out.sort(compareChanges);
}

function groupsJson(x: XdsTranslation): string {
  return JSON.stringify({
    resources: [...x.resources].map(([g, types]) => [g, [...types]]),
    sources: [...x.sources].map(([g, s]) => [
      g,
      [...s.resources].map(([t, names]) => [t, [...names]]),
      [...s.ingressPorts],
    ]),
    diagnostics: x.diagnostics,
  });
}

function cacheVersions(cache: SnapshotCache): string {
  return JSON.stringify(
    cache
      .groups()
      .map((g) => [
        g,
        [...cache.snapshot(g).types].map(([t, s]) => [t, s.version]),
        [...cache.snapshot(g, 'draining').types].map(([t, s]) => [t, s.version]),
      ]),
  );
}

/** Applies object lists in turn as the runner would, and compares with a from-scratch build. */
export class IncrementalStepper {
  private objects: readonly Sourced<KubeObject>[] = [];
  private resources: ResourceSet;
  private translation: IncrementalTranslation;
  private ir: IR;
  private reuse: XdsReuse;
  private xds: XdsTranslation;
  readonly cache = new SnapshotCache();
  /** Steps taken: incremental, full (fallback) and endpoints (fast path). */
  readonly counts = { incremental: 0, full: 0, endpoints: 0 };
  private lastWasEndpoints = false;
  /** As the runner: where each Service's backends are in `ir`, kept across endpoint steps. */
  private backendIndex?: ServiceBackendIndex;

  constructor(
    private readonly options: TranslateOptions,
    hooks: IncrementalHooks = {},
  ) {
    this.resources = buildResourceSet([]);
    this.translation = IncrementalTranslation.from(this.resources, options, hooks);
    this.ir = this.translation.result().ir;
    const t = translateXdsReusing(this.ir);
    this.reuse = t.reuse;
    this.xds = t.xds;
    this.cache.setAll(t.xds.resources);
  }

  /** Moves to `objects`; the changes it made, empty when nothing changed. */
  step(objects: readonly Sourced<KubeObject>[]): readonly ResourceChange[] {
    const changes = changesBetween(this.objects, objects);
    const resources = buildResourceSet(objects);
    if (changes.length === 0) return changes;
    if (onlyEndpointsChanged(changes)) {
      const services = servicesOfChangedSlices(changes, this.resources, resources);
      this.backendIndex ??= indexServiceBackends(this.ir);
      const refresh = refreshServiceBackends(this.ir, resources, services, this.options, this.backendIndex);
      this.translation.endpointsRefreshed(services, refresh.changed.keys());
      const touched = backendsOfServices(refresh.ir, services, this.backendIndex);
      for (const [group, upserts] of translateEndpointsChecked(touched, refresh.changed).resources)
        this.cache.updateResources(group, RESOURCE_TYPES.endpoint, upserts, []);
      this.ir = refresh.ir;
      this.counts.endpoints++;
    } else {
      const step = this.translation.apply(resources, changes, this.resources);
      this.ir = this.translation.result().ir;
      this.backendIndex = undefined;
      const t = translateXdsReusing(this.ir, step.full ? undefined : this.reuse);
      if (step.full) this.cache.setAll(t.xds.resources);
      else this.cache.setGroups(t.changed, t.removed);
      this.reuse = t.reuse;
      this.xds = t.xds;
      this.counts[step.full ? 'full' : 'incremental']++;
    }
    this.lastWasEndpoints = onlyEndpointsChanged(changes);
    this.objects = objects;
    this.resources = resources;
    return changes;
  }

  /** The first difference from a from-scratch build, or undefined when equal. */
  difference(): string | undefined {
    const full = translate(this.resources, this.options);
    if (JSON.stringify(this.ir) !== JSON.stringify(full.ir)) return 'IR';
    const xds = translateXds(full.ir);
    const fresh = new SnapshotCache();
    fresh.setAll(xds.resources);
    if (cacheVersions(this.cache) !== cacheVersions(fresh)) return 'cache versions';
    if (this.lastWasEndpoints) return undefined; // the fast path's own diagnostics are the runner's
    const inc = this.translation.result();
    if (JSON.stringify(inc.diagnostics) !== JSON.stringify(full.diagnostics)) return 'diagnostics';
    if (JSON.stringify(inc.served) !== JSON.stringify(full.served)) return 'served';
    if (groupsJson(this.xds) !== groupsJson(xds)) return 'xDS resources, source map or guard diagnostics';
    return undefined;
  }
}
