import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CausewayError } from '../../errors.js';
import { createKubernetesSource, KubernetesSource, loadKubeConfig } from './index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'causeway-kubeconfig-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: east
    cluster: { server: 'https://127.0.0.1:6443', insecure-skip-tls-verify: true }
  - name: plain
    cluster: { server: 'http://127.0.0.1:8080' }
users:
  - name: admin
    user: { token: secret-token }
contexts:
  - name: east-admin
    context: { cluster: east, user: admin }
  - name: plain-admin
    context: { cluster: plain, user: admin }
current-context: east-admin
`;

async function file(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

test('loads a kubeconfig file and selects a context', async () => {
  const p = await file('ok.yaml', KUBECONFIG);
  expect(loadKubeConfig(p).getCurrentContext()).toBe('east-admin');
  expect(loadKubeConfig(p, 'east-admin').getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
});

test('the cluster name defaults to the context name; it can be set', async () => {
  const p = await file('ok2.yaml', KUBECONFIG);
  const a = createKubernetesSource({ kubeconfig: p });
  const b = createKubernetesSource({ kubeconfig: p, context: 'east-admin', cluster: 'eu-1' });
  expect(a).toBeInstanceOf(KubernetesSource);
  expect(a.cluster).toBe('east-admin');
  expect(b.cluster).toBe('eu-1');
  await Promise.all([a.close(), b.close()]);
});

test('an unknown context is a usage error listing the known ones', async () => {
  const p = await file('ctx.yaml', KUBECONFIG);
  expect(() => loadKubeConfig(p, 'west')).toThrow(CausewayError);
  expect(() => loadKubeConfig(p, 'west')).toThrow(
    `CW_E_USAGE: kubeconfig ${p} has no context "west" (it has: east-admin, plain-admin)`,
  );
});

test('a missing or broken file, and a plain-http cluster, are usage errors', async () => {
  expect(() => loadKubeConfig(join(dir, 'nope.yaml'))).toThrow(
    /CW_E_USAGE: kubeconfig .*nope.yaml cannot be read/,
  );
  const broken = await file('broken.yaml', 'clusters: [');
  expect(() => loadKubeConfig(broken)).toThrow(/CW_E_USAGE: kubeconfig .*broken.yaml cannot be read/);
  const p = await file('plain.yaml', KUBECONFIG);
  expect(() => loadKubeConfig(p, 'plain-admin')).toThrow(/plain http server address/);
});
