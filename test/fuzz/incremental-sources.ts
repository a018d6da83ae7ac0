/**
 * The property of issue 14's incremental sources, shared by the CI test (fixed seed) and
 * `incremental-sources.main.ts` (any seed, more runs): random sequences of adds, updates and deletes of
 * Ingresses, IngressClasses, Services, EndpointSlices (label moves between Services, and away), Secrets
 * and the Gateway API kinds (classes, Gateways and ReferenceGrants by namespace sameness, routes per
 * cluster) in 3 clusters, each through the real pipeline (one KubeObjectStore per cluster -> MultiClusterSource ->
 * StaticVmsSource with VM entries). After every update the incremental ResourceSet must equal
 * `buildResourceSet` of the same objects from scratch (same keys, objects and order, slice lists and
 * serviceOfSlice), its `changed` must equal the difference between the previous and the current
 * from-scratch sets, the set given before must be unchanged, and translate + translateXds of both must
 * give the same JSON, byte for byte.
 */
import pino from 'pino';
import type { VmBackendConfig } from '../../src/config/controller-config.js';
import { KubeObjectStore, referencedSecrets } from '../../src/kubernetes/watch/kube-object-store.js';
import { normalizeKubeObject } from '../../src/kubernetes/watch/kube-normalize.js';
import type { KubeKind, KubeObject } from '../../src/resources/kube-types.js';
import { GATEWAY_API_KINDS, type GatewayApiKind } from '../../src/resources/gateway-api-types.js';
import {
  buildResourceSet,
  GATEWAY_API_SAME_MAPS,
  objectKey,
  ROUTE_MAPS,
  type ResourceSet,
  type Sourced,
} from '../../src/resources/resource-set.js';
import { MultiClusterSource } from '../../src/sources/multi-cluster-source.js';
import type { ResourceChange } from '../../src/sources/source-update.js';
import { StaticVmsSource, vmConfigSlices } from '../../src/sources/static-vms-source.js';
import { translate } from '../../src/translate/translate.js';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/translate/translate-options.js';
import { translateXds } from '../../xds/translator/xds.translator.js';
import { mulberry32 as prng } from '../../src/util/seeded-random.js';
import { StoreSource } from '../support/store-source.js';

/** 'eks/prod' holds a '/', as EKS context names do. */
const CLUSTERS = ['west', 'east', 'eks/prod'];
const NAMESPACES = ['shop', 'pki'];
const namespaced = (k: KubeKind): boolean =>
  k !== 'IngressClass' && k !== 'GatewayClass' && k !== 'Namespace';
/** The kinds written at random. */
type FuzzKind = KubeKind;
const KINDS: readonly FuzzKind[] = [
  'Ingress',
  'IngressClass',
  'Service',
  'EndpointSlice',
  'Secret',
  'Namespace',
  ...GATEWAY_API_KINDS,
];
const VMS: readonly VmBackendConfig[] = [
  {
    namespace: 'shop',
    service: 's0',
    portName: 'http',
    addresses: ['192.168.0.1'],
    targetPort: 8080,
    cluster: 'vms',
  },
  {
    namespace: 'pki',
    service: 's3',
    portName: 'http',
    addresses: ['fd00::1'],
    targetPort: 8080,
    cluster: 'west',
  },
];

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** A Gateway API object of `kind` (valid: the strict reader accepts it). */
function rawGatewayApiObject(
  random: Random,
  kind: GatewayApiKind,
  ns: string,
  name: string,
): Record<string, unknown> {
  const head = { apiVersion: 'gateway.networking.k8s.io/v1', kind };
  const parentRefs = [{ name: `g${Math.floor(random() * 3)}`, namespace: pick(random, NAMESPACES) }];
  const backendRefs = [{ name: `s${Math.floor(random() * 4)}`, port: pick(random, [80, 8080]) }];
  switch (kind) {
    case 'GatewayClass':
      return {
        ...head,
        metadata: { name },
        spec: { controllerName: pick(random, ['causeway.dev/gateway', 'example.com/other']) },
      };
    case 'Gateway':
      return {
        ...head,
        metadata: { name, namespace: ns },
        spec: {
          gatewayClassName: `k${Math.floor(random() * 2)}`,
          listeners: [{ name: 'http', port: pick(random, [80, 8080]), protocol: 'HTTP' }],
        },
      };
    case 'ReferenceGrant':
      return {
        ...head,
        metadata: { name, namespace: ns },
        spec: {
          from: [
            { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: pick(random, NAMESPACES) },
          ],
          to: [{ group: '', kind: 'Service' }],
        },
      };
    case 'HTTPRoute':
    case 'GRPCRoute':
      return {
        ...head,
        metadata: { name, namespace: ns },
        spec: {
          parentRefs,
          hostnames: [pick(random, ['a.example.com', 'b.example.com'])],
          rules: [{ backendRefs }],
        },
      };
    case 'TLSRoute':
      return {
        ...head,
        metadata: { name, namespace: ns },
        spec: { parentRefs, hostnames: ['a.example.com'], rules: [{ backendRefs }] },
      };
    case 'TCPRoute':
    case 'UDPRoute':
      return { ...head, metadata: { name, namespace: ns }, spec: { parentRefs, rules: [{ backendRefs }] } };
  }
}

function rawObject(random: Random, kind: FuzzKind, ns: string, name: string): Record<string, unknown> {
  const ts = pick(random, ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z']);
  const meta = { name, namespace: ns, creationTimestamp: ts };
  const svc = `s${Math.floor(random() * 4)}`;
  switch (kind) {
    case 'IngressClass':
      return {
        apiVersion: 'networking.k8s.io/v1',
        kind,
        metadata: {
          name,
          creationTimestamp: ts,
          annotations: { 'ingressclass.kubernetes.io/is-default-class': String(random() < 0.5) },
        },
        spec: { controller: pick(random, ['causeway.dev/gateway', 'example.com/other']) },
      };
    case 'Ingress':
      return {
        apiVersion: 'networking.k8s.io/v1',
        kind,
        metadata: meta,
        spec: {
          ...(random() < 0.7 ? { ingressClassName: pick(random, ['c0', 'c1']) } : {}),
          ...(random() < 0.3
            ? { tls: [{ hosts: ['a.example.com'], secretName: `t${Math.floor(random() * 2)}` }] }
            : {}),
          rules: [
            {
              host: pick(random, ['a.example.com', 'b.example.com']),
              http: {
                paths: [
                  {
                    path: pick(random, ['/', '/api']),
                    pathType: 'Prefix',
                    backend: { service: { name: svc, port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      };
    case 'Service':
      return {
        apiVersion: 'v1',
        kind,
        metadata: meta,
        spec: {
          ports: [{ name: 'http', port: 80, targetPort: pick(random, [8080, 9090]), protocol: 'TCP' }],
        },
      };
    case 'EndpointSlice':
      return {
        apiVersion: 'discovery.k8s.io/v1',
        kind,
        metadata: {
          name,
          namespace: ns,
          ...(random() < 0.9 ? { labels: { 'kubernetes.io/service-name': svc } } : {}),
        },
        addressType: 'IPv4',
        endpoints: [
          {
            addresses: [`10.0.${Math.floor(random() * 4)}.${1 + Math.floor(random() * 4)}`],
            conditions: { ready: random() < 0.8 },
          },
        ],
        ports: [{ name: 'http', port: pick(random, [8080, 9090]), protocol: 'TCP' }],
      };
    case 'Secret':
      return {
        apiVersion: 'v1',
        kind,
        type: 'kubernetes.io/tls',
        metadata: meta,
        data: { 'tls.crt': pick(random, ['Y2VydA==', 'Y2VydDI=']), 'tls.key': 'a2V5' },
      };
    case 'Namespace':
      return {
        apiVersion: 'v1',
        kind,
        metadata: { name, creationTimestamp: ts, labels: { team: pick(random, ['a', 'b']) } },
      };
    default:
      return rawGatewayApiObject(random, kind, ns, name);
  }
}

function nameOf(random: Random, kind: FuzzKind): string {
  const prefix = {
    Ingress: 'i',
    IngressClass: 'c',
    Service: 's',
    EndpointSlice: 'e',
    Secret: 't',
    Namespace: 'n',
    GatewayClass: 'k',
    Gateway: 'g',
    HTTPRoute: 'h',
    GRPCRoute: 'r',
    TLSRoute: 'l',
    TCPRoute: 'p',
    UDPRoute: 'u',
    ReferenceGrant: 'rg',
  }[kind];
  return `${prefix}${Math.floor(random() * (kind === 'EndpointSlice' ? 6 : 3))}`;
}

/** A cluster: its store behind the ResourceSource interface, and what its apiserver holds. */
class Cluster extends StoreSource {
  readonly objects = new Map<string, { kind: KubeKind; raw: Record<string, unknown> }>();
  constructor(readonly name: string) {
    super(new KubeObjectStore(name, namespaced));
  }
  /** One random write: an upsert (new or changed) or a delete, or a relist of a kind. */
  write(random: Random): void {
    const kind = pick(random, KINDS);
    if (random() < 0.05) {
      const raws = [...this.objects.values()].filter((o) => o.kind === kind && random() < 0.7);
      for (const [id, o] of [...this.objects])
        if (o.kind === kind && !raws.includes(o)) this.objects.delete(id);
      this.store.replace(
        kind,
        raws.map((o) => o.raw),
        kind === 'Secret' ? 'Secret (type=kubernetes.io/tls)' : kind,
      );
      return;
    }
    const ns = !namespaced(kind) ? '' : pick(random, NAMESPACES);
    const name = nameOf(random, kind);
    const id = `${kind}|${ns}/${name}`;
    const scope = kind === 'Secret' ? 'Secret (type=kubernetes.io/tls)' : kind;
    if (this.objects.has(id) && random() < 0.3) {
      this.store.remove(kind, this.objects.get(id)!.raw, scope);
      this.objects.delete(id);
      return;
    }
    const raw = rawObject(random, kind, ns, name);
    this.objects.set(id, { kind, raw });
    this.store.upsert(kind, raw, scope);
  }
  /** The cluster's objects as the store should serve them, from scratch: Secrets only when named. */
  expected(): Sourced<KubeObject>[] {
    const all = [...this.objects.values()].flatMap(({ kind, raw }) => {
      const r = normalizeKubeObject(kind, raw, this.name);
      return r.status === 'ok' ? [r.entry] : [];
    });
    const named = referencedSecrets(all.filter((e) => e.kind !== 'Secret').map((e) => e.sourced));
    return all
      .filter((e) => e.kind !== 'Secret' || named.has(e.key))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((e) => e.sourced);
  }
}

const EMPTY = buildResourceSet([]);

/** Canonical JSON keeping the order of Map entries and arrays (so order differences show). */
function json(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v instanceof Map ? { map: [...(v as Map<unknown, unknown>)] } : v,
  );
}

/** The ResourceSet as comparable data: every map's entries in iteration order. */
export function resourceSetJson(rs: ResourceSet): string {
  return json({
    ingresses: [...rs.ingresses],
    ingressClasses: [...rs.ingressClasses].sort(),
    services: [...rs.services].sort(),
    endpointSlices: [...rs.endpointSlices].sort(),
    serviceOfSlice: [...rs.serviceOfSlice].sort(),
    secrets: [...rs.secrets].sort(),
    // Namespace sameness kinds in key order, like services (first cluster listed wins, wherever it sits);
    // routes, per cluster like Ingresses, in iteration order.
    gatewayApi: Object.entries(rs.gatewayApi).map(([name, m]: [string, ReadonlyMap<string, unknown>]) => [
      name,
      Object.values(ROUTE_MAPS).includes(name as never) ? [...m] : [...m].sort(),
    ]),
  });
}

/** What differs between two from-scratch sets, as `kind|key` (the changes an exact source lists). */
export function expectedChanges(before: ResourceSet, after: ResourceSet): string[] {
  const out = new Set<string>();
  const compare = (
    kind: string,
    a: ReadonlyMap<string, unknown>,
    b: ReadonlyMap<string, unknown>,
    key: (k: string, v: unknown) => string,
  ): void => {
    for (const [k, v] of a) if (json(b.get(k)) !== json(v)) out.add(`${kind}|${key(k, v)}`);
    for (const [k, v] of b) if (!a.has(k)) out.add(`${kind}|${key(k, v)}`);
  };
  const own = (_k: string, v: unknown): string => objectKey((v as Sourced<KubeObject>).object);
  compare('Ingress', before.ingresses, after.ingresses, own);
  compare('IngressClass', before.ingressClasses, after.ingressClasses, (k) => k);
  compare('Service', before.services, after.services, (k) => k);
  compare('Secret', before.secrets, after.secrets, (k) => k);
  compare('Namespace', before.namespaces ?? new Map(), after.namespaces ?? new Map(), (k) => k);
  const slices = (rs: ResourceSet): Map<string, Sourced<KubeObject>> =>
    new Map(
      [...rs.endpointSlices.values()].flat().map((s) => [`${s.origin.cluster}|${objectKey(s.object)}`, s]),
    );
  compare('EndpointSlice', slices(before), slices(after), own);
  for (const [kind, map] of Object.entries(GATEWAY_API_SAME_MAPS))
    compare(kind, before.gatewayApi[map], after.gatewayApi[map], (k) => k);
  for (const [kind, map] of Object.entries(ROUTE_MAPS))
    compare(kind, before.gatewayApi[map], after.gatewayApi[map], own);
  return [...out].sort();
}

function xdsJson(rs: ResourceSet): string {
  const t = translate(rs, DEFAULT_TRANSLATE_OPTIONS);
  const xds = translateXds(t.ir);
  return json({
    diagnostics: t.diagnostics,
    served: t.served,
    resources: xds.resources,
    sources: xds.sources,
  });
}

export interface IncrementalRunOptions {
  readonly seed: number;
  readonly steps: number;
  /** Compare the xDS of both sets every this many steps (translation is the slow part). */
  readonly xdsEvery: number;
}

export interface IncrementalRunReport {
  readonly steps: number;
  readonly updates: number;
  readonly changes: number;
  readonly xdsComparisons: number;
  /** The first difference found, with the step; undefined when none. */
  readonly failure?: string;
}

function changeIds(changed: readonly ResourceChange[]): string[] {
  return changed.map((c) => `${c.kind}|${c.key}`).sort();
}

/** Runs one random sequence; stops at the first difference. */
export async function runIncrementalSources(o: IncrementalRunOptions): Promise<IncrementalRunReport> {
  const random = prng(o.seed);
  const clusters = CLUSTERS.map((n) => new Cluster(n));
  const multi = new MultiClusterSource({
    clusters: clusters.map((c) => ({ cluster: c.name, source: c })),
    logger: pino({ level: 'silent' }),
  });
  const source = new StaticVmsSource({ source: multi, vms: VMS });
  const vmSlices = vmConfigSlices(VMS);
  const fromScratch = (): ResourceSet =>
    buildResourceSet([...clusters.flatMap((c) => c.expected()), ...vmSlices]);
  let latest = await source.load();
  let expected = fromScratch();
  let updates = 0;
  let changes = 0;
  let xdsComparisons = 0;
  const fail = (step: number, what: string): IncrementalRunReport => ({
    steps: step,
    updates,
    changes,
    xdsComparisons,
    failure: `seed ${o.seed}, step ${step}: ${what}`,
  });
  await source.watch((u) => {
    latest = u;
    updates++;
  });
  for (let step = 1; step <= o.steps; step++) {
    const cluster = pick(random, clusters);
    const writes = 1 + Math.floor(random() * 3);
    for (let i = 0; i < writes; i++) cluster.write(random);
    const before = latest;
    const given = resourceSetJson(before.resources);
    cluster.flush();
    if (resourceSetJson(before.resources) !== given)
      return fail(step, 'a ResourceSet given earlier changed under its reader');
    const previous = expected;
    expected = fromScratch();
    const got = latest === before ? undefined : latest;
    const want = expectedChanges(previous, expected);
    const have = got === undefined ? [] : changeIds(got.changed);
    changes += have.length;
    if (json(have) !== json(want)) return fail(step, `changed ${json(have)}, expected ${json(want)}`);
    const present = new Set(expectedChanges(EMPTY, expected));
    for (const c of got?.changed ?? []) {
      if ((c.op === 'upsert') !== present.has(`${c.kind}|${c.key}`))
        return fail(step, `op of ${c.kind} ${c.key} is ${c.op}`);
    }
    const a = resourceSetJson(latest.resources);
    const b = resourceSetJson(expected);
    if (a !== b) return fail(step, `ResourceSet differs:\n  incremental ${a}\n  from scratch ${b}`);
    if (step % o.xdsEvery === 0 || step === o.steps) {
      xdsComparisons++;
      const x = xdsJson(latest.resources);
      const y = xdsJson(expected);
      if (x !== y) return fail(step, `xDS differs:\n  incremental ${x}\n  from scratch ${y}`);
    }
  }
  await source.close();
  return { steps: o.steps, updates, changes, xdsComparisons };
}
