/**
 * translate: ResourceSet -> IR + diagnostics. Pure: no clock, randomness, environment or I/O.
 * Owns Ingress semantics; user mistakes become diagnostics, never exceptions, and an internal error
 * (a bug) on one Ingress or Service leaves that object out with a diagnostic (isolation.ts).
 */
import { compareDiagnostics, diagnostic, type Diagnostic } from '../errors.js';
import { nameProblemOf, printable } from '../ingress/text-checks.js';
import type { ResourceSet } from '../resources/resource-set.js';
import type { IR } from '../ir/ir-types.js';
import { buildGroupIsolated } from './isolation.js';
import { internalErrorDiagnostic } from './internal-errors.js';
import type { Ingress } from '../resources/kube-types.js';
import type { Sourced } from '../resources/resource-set.js';
import { readPortServices } from './udp-services.js';
import { indexClasses, ourClassFor } from '../ingress/ingress-class.js';
import { diagnosticRef, ingressRef, readIngress, type IngressEntries } from '../ingress/ingress-reader.js';
import { readUseRegex } from './policies/paths.js';
import type { ServedIngress } from '../ingress/ingress-types.js';
import { compareByAge, compareStrings } from '../ingress/ordering.js';
import { DEFAULT_GROUP } from '../ingress/ingress-annotations.js';
import { groupSettings, type TranslateOptions } from './translate-options.js';
import type { GatewayApiStatus } from '../gateway-api/status-model.js';
import { readGatewayApi, withGatewayApi } from './gateway-api-translate.js';

export type { ServedIngress } from '../ingress/ingress-types.js';

export interface TranslateResult {
  readonly ir: IR;
  readonly diagnostics: readonly Diagnostic[];
  /** Every Ingress that is ours (whatever its diagnostics), sorted by cluster, namespace, name. */
  readonly served: readonly ServedIngress[];
  /** The status of our Gateways and their routes (empty without Gateway API objects). */
  readonly gatewayApiStatus: GatewayApiStatus;
}

export function translate(resources: ResourceSet, options: TranslateOptions): TranslateResult {
  const diags: Diagnostic[] = [];
  const classes = indexClasses(resources);
  const ours = [...resources.ingresses.values()].sort((a, b) => compareByAge(a.object, b.object));

  const byGroup = new Map<string, IngressEntries[]>([[DEFAULT_GROUP, []]]);
  const served: ServedIngress[] = [];
  for (const g of Object.keys(options.groups)) byGroup.set(g, []);
  for (const ing of ours) {
    const entries = readOurIngress(ing, classes, diags);
    if (!entries) continue;
    served.push({
      cluster: ing.origin.cluster,
      namespace: entries.ref.namespace!,
      name: entries.ref.name,
      group: entries.group,
    });
    const list = byGroup.get(entries.group) ?? [];
    list.push(entries);
    byGroup.set(entries.group, list);
  }

  const { tcp: tcpClaims, udp: udpClaims } = readPortServices(resources, diags);
  for (const c of [...tcpClaims, ...udpClaims]) if (!byGroup.has(c.group)) byGroup.set(c.group, []);
  const gatewayApi = readGatewayApi(resources, (g) => groupSettings(options, g));
  for (const g of gatewayApi.owners.keys()) if (!byGroup.has(g)) byGroup.set(g, []);
  const built = [...byGroup.keys()].sort(compareStrings).map((g) =>
    buildGroupIsolated(
      {
        name: g,
        settings: groupSettings(options, g),
        owners: byGroup.get(g)!,
        resources,
        clusterZones: options.clusterZones ?? {},
        tcpClaims: tcpClaims.filter((c) => c.group === g),
        udpClaims: udpClaims.filter((c) => c.group === g),
      },
      diags,
    ),
  );
  const zones = options.clusterZones ?? {};
  const groups = built.map((g) =>
    withGatewayApi(g, gatewayApi, resources, groupSettings(options, g.name), zones, diags),
  );
  served.sort(
    (a, b) =>
      compareStrings(a.cluster, b.cluster) ||
      compareStrings(a.namespace, b.namespace) ||
      compareStrings(a.name, b.name),
  );
  return {
    ir: { groups },
    diagnostics: sortedUniqueDiagnostics(diags),
    served,
    gatewayApiStatus: gatewayApi.status,
  };
}

/** The Ingress's entries when it is ours; an internal error reading it leaves it out with a diagnostic. */
export function readOurIngress(
  ing: Sourced<Ingress>,
  classes: ReturnType<typeof indexClasses>,
  diags: Diagnostic[],
): IngressEntries | undefined {
  try {
    const cls = ourClassFor(ing.object, classes);
    if (!cls) return undefined;
    const bad = nameProblemOf(ing.object.metadata);
    if (bad !== undefined) {
      const ref = {
        kind: 'Ingress',
        namespace: printable(String(ing.object.metadata.namespace ?? 'default')),
        name: printable(String(ing.object.metadata.name)),
      };
      diags.push(
        diagnostic(
          'CW_E_OBJECT_NAME_INVALID',
          diagnosticRef(ref, ing.origin),
          `the Ingress ${bad}; it is left out`,
        ),
      );
      return undefined;
    }
    const dref = diagnosticRef(ingressRef(ing), ing.origin);
    const regex = readUseRegex(ing.object.metadata.annotations, dref, diags);
    return readIngress(ing, cls, diags, { regex });
  } catch (err) {
    const meta = ing.object.metadata;
    const ref = { kind: 'Ingress', namespace: meta?.namespace ?? 'default', name: String(meta?.name) };
    diags.push(internalErrorDiagnostic(diagnosticRef(ref, ing.origin), err, 'the Ingress'));
    return undefined;
  }
}

/**
 * The diagnostics sorted (compareDiagnostics, then their JSON: a total order, so the result does not
 * depend on the order they were found in, which an incremental translation cannot reproduce) without
 * duplicates.
 */
export function sortedUniqueDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  const keyed = diags.map((d) => ({ d, k: JSON.stringify(d) }));
  keyed.sort((a, b) => compareDiagnostics(a.d, b.d) || compareStrings(a.k, b.k));
  const out: Diagnostic[] = [];
  let last: string | undefined;
  for (const { d, k } of keyed) {
    if (k === last) continue;
    last = k;
    out.push(d);
  }
  return out;
}
