/**
 * translateXds that reuses the translation of every group whose IR object is the one it translated
 * before (the incremental translation keeps an untouched group's IR object): its resources, source map
 * and guard diagnostics are taken as they are. The output is exactly translateXds(ir) (same maps in
 * IR order, diagnostics in group order); `changed` and `removed` tell the cache which groups to store.
 */
import type { GatewayGroupIR, IR } from '../../src/ir/ir-types.js';
import type { GroupResources } from '../cache/config-watcher.js';
import { translateGroup, type GroupTranslation, type XdsTranslation } from './xds.translator.js';

export interface TranslatedGroup {
  readonly ir: GatewayGroupIR;
  readonly translation: GroupTranslation;
}

/** The last translation of each group, by group name. */
export type XdsReuse = ReadonlyMap<string, TranslatedGroup>;

export interface ReusingTranslation {
  readonly xds: XdsTranslation;
  readonly reuse: XdsReuse;
  /** The resources of the groups translated again (new or changed IR). */
  readonly changed: ReadonlyMap<string, GroupResources>;
  /** Groups of `previous` that are no longer in the IR. */
  readonly removed: readonly string[];
}

export function translateXdsReusing(
  ir: IR,
  previous: XdsReuse = new Map(),
  onTranslate: (group: string) => void = () => undefined,
): ReusingTranslation {
  const reuse = new Map<string, TranslatedGroup>();
  const changed = new Map<string, GroupResources>();
  for (const g of ir.groups) {
    const before = previous.get(g.name);
    if (before?.ir === g) {
      reuse.set(g.name, before);
      continue;
    }
    onTranslate(g.name);
    const translation = translateGroup(g);
    reuse.set(g.name, { ir: g, translation });
    changed.set(g.name, translation.resources);
  }
  const groups = [...reuse.values()];
  return {
    xds: {
      resources: new Map(groups.map((t) => [t.ir.name, t.translation.resources])),
      sources: new Map(groups.map((t) => [t.ir.name, t.translation.sources])),
      diagnostics: groups.flatMap((t) => t.translation.diagnostics),
    },
    reuse,
    changed,
    removed: [...previous.keys()].filter((g) => !reuse.has(g)),
  };
}
