/**
 * The Gateway API v1.6.3 CRDs, read from the Go module cache (the module test/conformance/go pins; the
 * suite's build downloads it) and applied to a test apiserver, then waited on until Established.
 * `standard` holds GatewayClass, Gateway, HTTPRoute, GRPCRoute, ReferenceGrant, BackendTLSPolicy and
 * ListenerSet; `experimental` adds TLSRoute, TCPRoute, UDPRoute and the experimental fields.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import YAML from 'yaml';

export const GATEWAY_API_VERSION = 'v1.6.3';
export type CrdChannel = 'standard' | 'experimental';

/** The module cache folder of sigs.k8s.io/gateway-api at GATEWAY_API_VERSION. */
export function gatewayApiModuleDir(): string {
  let cache = process.env['GOMODCACHE'];
  if (!cache) {
    try {
      cache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
    } catch {
      cache = path.join(process.env['GOPATH'] ?? path.join(os.homedir(), 'go'), 'pkg', 'mod');
    }
  }
  const dir = path.join(cache, 'sigs.k8s.io', `gateway-api@${GATEWAY_API_VERSION}`);
  if (!fs.existsSync(dir)) {
    throw new Error(`${dir} is missing: run test/conformance/build-suite.sh (it downloads the module)`);
  }
  return dir;
}

/** The CustomResourceDefinitions of a channel, sorted by file name. */
export function readGatewayApiCrds(channel: CrdChannel = 'standard'): KubernetesObject[] {
  const dir = path.join(gatewayApiModuleDir(), 'config', 'crd', channel);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) =>
      YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS() as unknown),
    )
    .filter(
      (o): o is KubernetesObject => (o as KubernetesObject | null)?.kind === 'CustomResourceDefinition',
    );
}

interface CrdStatus extends KubernetesObject {
  readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

/** Creates the channel's CRDs (admin kubeconfig) and waits until every one is Established. */
export async function applyGatewayApiCrds(
  kubeconfig: string,
  channel: CrdChannel = 'standard',
): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const api = KubernetesObjectApi.makeApiClient(kc);
  const crds = readGatewayApiCrds(channel);
  for (const crd of crds) await api.create(crd);
  const deadline = Date.now() + 60_000;
  for (const crd of crds) {
    for (;;) {
      const got = await api.read<CrdStatus>({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: crd.metadata!.name! },
      });
      if (got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata!.name!} not Established within 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
