/**
 * Manifests for the ALB e2e tests and benchmark: an ALB IngressClass, Ingresses (alone or in an
 * IngressGroup), Services and EndpointSlices with pod IPs, written to a folder and loaded the way
 * `causeway plan -f DIR` and the standalone controller load them.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { ResourceSet } from '../../src/resources/resource-set.js';
import { loadManifestsFolder } from '../../src/sources/manifests/manifests-source.js';

export const ALB_CLASS = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'alb' },
  spec: { controller: 'causeway.dev/alb' },
};

export interface AlbIngressFixture {
  readonly name: string;
  readonly namespace?: string;
  readonly group?: string;
  readonly host?: string;
  readonly paths: readonly { readonly path: string; readonly service: string; readonly pathType?: string }[];
  readonly annotations?: Readonly<Record<string, string>>;
}

export function albIngress(f: AlbIngressFixture): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: f.name,
      namespace: f.namespace ?? 'default',
      annotations: {
        ...(f.group ? { 'alb.causeway.dev/group.name': f.group } : {}),
        ...f.annotations,
      },
    },
    spec: {
      ingressClassName: 'alb',
      rules: [
        {
          ...(f.host ? { host: f.host } : {}),
          http: {
            paths: f.paths.map((p) => ({
              path: p.path,
              pathType: p.pathType ?? 'Prefix',
              backend: { service: { name: p.service, port: { number: 80 } } },
            })),
          },
        },
      ],
    },
  };
}

/** A Service (port 80 -> 8080) and one EndpointSlice with these pod IPs (all ready unless listed). */
export function albService(
  name: string,
  ips: readonly string[],
  opts: { namespace?: string; notReady?: readonly string[]; terminating?: readonly string[] } = {},
): object[] {
  const namespace = opts.namespace ?? 'default';
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: ips.map((ip) => {
        const terminating = opts.terminating?.includes(ip) ?? false;
        return {
          addresses: [ip],
          conditions: {
            ready: !terminating && !(opts.notReady?.includes(ip) ?? false),
            serving: !(opts.notReady?.includes(ip) ?? false),
            terminating,
          },
          targetRef: { kind: 'Pod', namespace, name: `${name}-${ip.replace(/\./g, '-')}` },
        };
      }),
    },
  ];
}

/** Writes the objects as one manifest file in `dir` (replacing what was there). */
export function writeManifests(dir: string, objects: readonly object[]): void {
  for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true });
  fs.writeFileSync(path.join(dir, 'all.yaml'), objects.map((o) => YAML.stringify(o)).join('---\n'));
}

/** The ResourceSet of these objects, through the manifests-folder source. */
export async function resourcesOf(dir: string, objects: readonly object[]): Promise<ResourceSet> {
  writeManifests(dir, objects);
  const u = await loadManifestsFolder(dir);
  if (u.diagnostics.length > 0) throw new Error(`manifests: ${JSON.stringify(u.diagnostics)}`);
  return u.resources;
}
