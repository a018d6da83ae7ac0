/**
 * The test gateway provisioner: which groups it wants (pure), and against a real apiserver with the
 * Gateway API CRDs: a Gateway of our class starts a real Envoy in its own network namespace that
 * connects to a controller's xDS server announcing its pod address; deleting the Gateway stops the Envoy
 * and removes the namespace.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { runController, type RunningController } from '../../src/controller/app.js';
import { applyGatewayApiCrds } from '../conformance/gateway-api-crds.js';
import {
  desiredGatewayGroups,
  startGatewayProvisioner,
  type GatewayClassObject,
  type GatewayObject,
  type GatewayProvisioner,
} from './gateway-provisioner.js';
import { httpGet } from './http-client.js';
import {
  ensureKubeBinaries,
  startEtcd,
  startKubeApiserver,
  type Etcd,
  type KubeApiserver,
} from './kube-apiserver.js';
import { eventually } from './kube-objects.js';
import { tempDir } from './manifests.js';
import { createPodNetwork, podNetworkSupport, type PodNetwork } from './netns.js';

const ours: GatewayClassObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'GatewayClass',
  metadata: { name: 'causeway' },
  spec: { controllerName: 'causeway.dev/gateway' },
};
const theirs: GatewayClassObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'GatewayClass',
  metadata: { name: 'other' },
  spec: { controllerName: 'example.com/other' },
};

function gateway(
  namespace: string,
  name: string,
  className: string,
  annotations?: Record<string, string>,
): GatewayObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { namespace, name, ...(annotations ? { annotations } : {}) },
    spec: { gatewayClassName: className, listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  };
}

describe('desiredGatewayGroups', () => {
  test('one group per <namespace>-<name> or annotation; other classes ignored; bad annotations reported', () => {
    const desired = desiredGatewayGroups(
      [ours, theirs],
      [
        gateway('infra', 'b', 'causeway', { 'causeway.dev/gateway-group': 'edge' }),
        gateway('infra', 'a', 'causeway', { 'causeway.dev/gateway-group': 'edge' }),
        gateway('infra', 'web', 'causeway'),
        gateway('infra', 'skip', 'other'),
        gateway('infra', 'bad', 'causeway', { 'causeway.dev/gateway-group': 'Not_A_Label' }),
      ],
    );
    expect([...desired.groups.entries()]).toEqual([
      ['edge', ['infra/a', 'infra/b']],
      ['infra-web', ['infra/web']],
    ]);
    expect(desired.problems).toEqual([
      expect.stringMatching(/^infra\/bad: .*"Not_A_Label" is not a DNS label/),
    ]);
  });

  test('a Gateway being deleted needs no gateway', () => {
    const deleting = gateway('infra', 'web', 'causeway');
    const desired = desiredGatewayGroups(
      [ours],
      [{ ...deleting, metadata: { ...deleting.metadata, deletionTimestamp: new Date() } }],
    );
    expect(desired.groups.size).toBe(0);
  });
});

const support = podNetworkSupport();
const skipReason = !support.ok && !process.env['CI'] ? support.reason : undefined;
if (skipReason) console.warn(`test/support/gateway-provisioner.test.ts e2e skipped: ${skipReason}`);
const e2e = skipReason ? describe.skip : describe;

e2e('against a real apiserver, controller and Envoy', () => {
  let dir: string;
  let etcd: Etcd | undefined;
  let api: KubeApiserver | undefined;
  let net: PodNetwork | undefined;
  let controller: RunningController | undefined;
  let prov: GatewayProvisioner | undefined;
  let objects: KubernetesObjectApi;

  beforeAll(async () => {
    await ensureKubeBinaries();
    dir = tempDir('causeway-provisioner-');
    etcd = await startEtcd();
    api = await startKubeApiserver({ etcd, name: 'provisioner' });
    const kubeconfig = api.kubeconfig('admin');
    await applyGatewayApiCrds(kubeconfig);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    objects = KubernetesObjectApi.makeApiClient(kc);
    net = await createPodNetwork({ name: 'prov' });
    const manifests = path.join(dir, 'manifests');
    fs.mkdirSync(manifests);
    controller = await runController({
      manifests,
      xdsAddress: `${net.gateway}:0`,
      xdsInsecure: true,
      adminAddress: '127.0.0.1:0',
      logLevel: 'silent',
    });
    prov = await startGatewayProvisioner({
      kubeconfig,
      network: net,
      xdsHost: net.gateway,
      xdsPort: controller.xdsPort,
      intervalMs: 200,
    });
    for (const c of [ours, theirs]) await objects.create(c);
  }, 600_000);

  afterAll(async () => {
    await prov?.stop();
    await controller?.stop();
    await net?.destroy();
    await api?.stop();
    await etcd?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  test('a Gateway gets an Envoy in its own namespace, connected and announcing its pod IP; a killed Envoy is replaced; deleting the Gateway stops it', async () => {
    const web = gateway('default', 'web', 'causeway');
    await objects.create(web as KubernetesObject);
    await objects.create(gateway('default', 'elsewhere', 'other') as KubernetesObject);
    await prov!.waitForGroup('default-web', true, 60_000);
    const running = prov!.running().get('default-web')!;
    expect([...prov!.running().keys()]).toEqual(['default-web']);

    const fleetRow = await eventually('the gateway in the controller fleet', async () => {
      const r = await httpGet(`http://127.0.0.1:${String(controller!.adminPort)}/api/gateways`);
      const found = JSON.stringify(JSON.parse(r.body)).includes(`"nodeId":"${running.gateway.nodeId}"`);
      return found ? r.body : undefined;
    });
    expect(fleetRow).toContain(`"address":"${running.pod.ip}"`);
    expect(fleetRow).toContain('"group":"default-web"');
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).toContain(running.pod.netns);

    process.kill(running.gateway.pid, 'SIGKILL');
    const replaced = await eventually('another gateway for the group after the Envoy was killed', () => {
      const now = prov!.running().get('default-web');
      return now && now.gateway.nodeId !== running.gateway.nodeId ? now : undefined;
    });
    expect(await replaced.gateway.admin('/ready')).toEqual({ status: 200, body: 'LIVE\n' });
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(running.pod.netns);

    await objects.delete(web as KubernetesObject);
    await prov!.waitForGroup('default-web', false, 60_000);
    expect(prov!.running().size).toBe(0);
    await expect(replaced.gateway.admin('/ready')).rejects.toThrow();
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(replaced.pod.netns);
  }, 120_000);
});
