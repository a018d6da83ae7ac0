/**
 * One fuzz case: a healthy Ingress + Service + EndpointSlice (namespace `default`, the oldest objects)
 * next to generated hostile objects, each hostile object in a file of its own (as in a manifests folder,
 * where a broken file never takes the others with it). The case runs the real pipeline, manifest parser
 * -> ResourceSet -> translate -> translateXds -> Envoy's protobuf encoding, and reports every broken
 * promise as a line of text:
 * - no stage throws, and every resource encodes with Envoy's own protos;
 * - the healthy objects' output is exactly what it is without the hostile ones (their routes, their
 *   Service's Cluster and ClusterLoadAssignment, the diagnostics on them).
 * The bootstraps of the groups are returned for `envoy --mode validate` (fuzz.test.ts samples them).
 */
import YAML from 'yaml';
import type { Diagnostic } from '../../src/errors.js';
import type { IR } from '../../src/ir/ir-types.js';
import type { KubeObject } from '../../src/resources/kube-types.js';
import { buildResourceSet, type Sourced } from '../../src/resources/resource-set.js';
import { parseManifestFile } from '../../src/sources/manifests/manifest-parser.js';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/translate/translate-options.js';
import { translate } from '../../src/translate/translate.js';
import type { GroupResources } from '../../xds/cache/config-watcher.js';
import { encodeResource, RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { translateXds } from '../../xds/translator/xds.translator.js';
import { staticBootstrap } from '../golden/static-bootstrap.js';
import type { Doc } from './hostile-arbitraries.js';

const HEALTHY_YAML = `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: causeway, annotations: { ingressclass.kubernetes.io/is-default-class: 'true' } }
spec: { controller: causeway.dev/gateway }
---
apiVersion: v1
kind: Service
metadata: { name: healthy, namespace: default, creationTimestamp: '2000-01-01T00:00:00Z' }
spec: { ports: [{ name: http, port: 80, protocol: TCP }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: healthy-1, namespace: default, labels: { kubernetes.io/service-name: healthy } }
addressType: IPv4
endpoints: [{ addresses: [10.244.0.10], conditions: { ready: true }, zone: zone-a }]
ports: [{ name: http, port: 8080, protocol: TCP }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: healthy, namespace: default, creationTimestamp: '2000-01-01T00:00:00Z' }
spec:
  rules:
  - host: healthy.example
    http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: healthy, port: { name: http } } } }] }
`;

const HEALTHY_CLUSTER = 'service/default/healthy/80';

export interface FuzzOutcome {
  /** Broken promises, empty when the case passed. */
  readonly problems: readonly string[];
  /** One static bootstrap per gateway group (for `envoy --mode validate`). */
  readonly bootstraps: readonly { readonly group: string; readonly bootstrap: object }[];
  /** How many hostile files the parser accepted (the rest were refused with a diagnostic). */
  readonly acceptedFiles: number;
}

function healthyObjects(): readonly Sourced<KubeObject>[] {
  const parsed = parseManifestFile('healthy.yaml', HEALTHY_YAML, 'local');
  if (!parsed.ok)
    throw new Error(`the healthy fixture does not parse: ${JSON.stringify(parsed.diagnostics)}`);
  return parsed.objects;
}

/** What the healthy objects produce: their routes, their Service's EDS resources, diagnostics on them. */
function healthyView(
  ir: IR,
  xds: ReadonlyMap<string, GroupResources>,
  diagnostics: readonly Diagnostic[],
): string {
  const routes: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o['name'] === 'string' && o['name'].startsWith('ingress/default/healthy/') && 'match' in o)
        routes.push(JSON.stringify(o));
      Object.values(o).forEach(walk);
    }
  };
  walk(ir);
  const eds = [RESOURCE_TYPES.cluster, RESOURCE_TYPES.endpoint].map((t) =>
    (xds.get('default')?.get(t) ?? []).filter((r) => r.name === HEALTHY_CLUSTER),
  );
  const own = diagnostics.filter((d) => d.object.namespace === 'default');
  return JSON.stringify({ routes: [...new Set(routes)].sort(), eds, own });
}

function encodeAll(xds: ReadonlyMap<string, GroupResources>): string[] {
  const problems: string[] = [];
  for (const [group, types] of xds)
    for (const [typeUrl, resources] of types)
      for (const r of resources) {
        try {
          encodeResource(typeUrl, r.resource);
        } catch (err) {
          problems.push(`group ${group}: ${typeUrl} ${String(r.name)} does not encode: ${String(err)}`);
        }
      }
  return problems;
}

function run(objects: readonly Sourced<KubeObject>[]) {
  const result = translate(buildResourceSet(objects), DEFAULT_TRANSLATE_OPTIONS);
  const xds = translateXds(result.ir).resources;
  return { result, xds, view: healthyView(result.ir, xds, result.diagnostics) };
}

const baseline = ((): string => run(healthyObjects()).view)();

/** Runs one case: the healthy objects plus these hostile documents, one file each. */
export function runFuzzCase(hostile: readonly Doc[]): FuzzOutcome {
  const files = hostile.map((doc, i) => parseManifestFile(`hostile-${i}.yaml`, YAML.stringify(doc), 'local'));
  const accepted = files.filter((f) => f.ok);
  const objects = [...healthyObjects(), ...accepted.flatMap((f) => f.objects)];
  let outcome: ReturnType<typeof run>;
  try {
    outcome = run(objects);
  } catch (err) {
    return {
      problems: [`the pipeline threw: ${err instanceof Error ? err.stack : String(err)}`],
      bootstraps: [],
      acceptedFiles: accepted.length,
    };
  }
  const problems = encodeAll(outcome.xds);
  if (outcome.view !== baseline)
    problems.push(`the healthy objects' output changed:\n${outcome.view}\nexpected:\n${baseline}`);
  const bootstraps: { group: string; bootstrap: object }[] = [];
  for (const [group, resources] of outcome.xds) {
    try {
      bootstraps.push({ group, bootstrap: staticBootstrap(resources) });
    } catch (err) {
      problems.push(`group ${group}: no static bootstrap: ${String(err)}`);
    }
  }
  return { problems, bootstraps, acceptedFiles: accepted.length };
}
