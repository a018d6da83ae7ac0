/**
 * alb build: (ResourceSet, AwsFacts, options) -> one desired AlbStack per IngressGroup, plus
 * diagnostics. Pure: no clock, randomness, environment or I/O. Ingress semantics (hosts, paths,
 * backends, endpoints, conflicts) come from src/ingress; this folder settles what is ALB-specific:
 * group membership and settings (alb-group-members.ts), listeners and certificates, rule layout
 * (alb-rules.ts), the split over load balancers (alb-group-placement.ts, host-placement.ts), names and
 * tags (alb-group-builder.ts, alb-resource-specs.ts). See docs/alb.md.
 */
import { compareDiagnostics, type Diagnostic } from '../../errors.js';
import type { ResourceSet } from '../../resources/resource-set.js';
import { indexClasses } from '../../ingress/ingress-class.js';
import { compareByAge, compareStrings } from '../../ingress/ordering.js';
import type { AlbStack, AwsFacts } from '../model/alb-model.js';
import { albClassFor } from './alb-class.js';
import { AlbGroupBuilder, type AlbBuildOptions } from './alb-group-builder.js';
import { readAlbIngress, readGroupName, type AlbIngress } from './alb-ingress-reader.js';

export type { AlbBuildOptions } from './alb-group-builder.js';

export interface AlbBuildResult {
  /** Sorted by group. */
  readonly stacks: readonly AlbStack[];
  /**
   * Groups that have ALB Ingresses but none usable (every one left out by a diagnostic), and the lone
   * group `<namespace>/<name>` of an Ingress whose group.name is invalid: the applier must leave their
   * AWS resources alone rather than delete them. Sorted.
   */
  readonly heldGroups: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

export function buildAlbStacks(
  resources: ResourceSet,
  facts: AwsFacts,
  options: AlbBuildOptions,
): AlbBuildResult {
  const diags: Diagnostic[] = [];
  const classes = indexClasses(resources);
  const byGroup = new Map<string, AlbIngress[]>();
  const held: string[] = [];
  const ingresses = [...resources.ingresses.values()].sort((a, b) => compareByAge(a.object, b.object));
  for (const ing of ingresses) {
    if (!albClassFor(ing.object, classes)) continue;
    const group = readGroupName(ing, diags);
    if (group === undefined) {
      // A bad group name: the Ingress is in no group; the lone group it may have had is held, not deleted.
      held.push(`${ing.object.metadata.namespace ?? 'default'}/${ing.object.metadata.name}`);
      continue;
    }
    const list = byGroup.get(group) ?? [];
    list.push(readAlbIngress(ing, group, diags));
    byGroup.set(group, list);
  }
  const stacks: AlbStack[] = [];
  for (const group of [...byGroup.keys()].sort(compareStrings)) {
    const stack = new AlbGroupBuilder(group, byGroup.get(group)!, resources, facts, options, diags).build();
    if (stack) stacks.push(stack);
    else held.push(group);
  }
  return { stacks, heldGroups: [...new Set(held)].sort(compareStrings), diagnostics: dedupe(diags) };
}

function dedupe(diags: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return [...diags].sort(compareDiagnostics).filter((d) => {
    const k = JSON.stringify(d);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
