/**
 * `causeway vm register|deregister` against a REAL kube-apiserver (and etcd). The CLI runs in-process
 * through commander (exitOverride, captured output), as the user `vm-registrar` holding exactly the RBAC
 * docs/kubernetes.md lists. Covers: --help; register creates the Service's one slice with the documented
 * content, twice is idempotent (no write), concurrent registrations all land (409 retries); deregister
 * removes, deletes the slice when empty, and is idempotent; bad inputs fail clearly with the documented
 * exit status (and the apiserver itself refuses a loopback address); the controller's Kubernetes source
 * merges the VM slice with the pods' slice, the VMs in their own locality zone.
 */
import {
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1EndpointSlice,
  type V1Service,
} from '@kubernetes/client-node';
import { Command, CommanderError } from 'commander';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jest } from '@jest/globals';
import { registerVmCommand } from '../../src/cli/vm.command.js';
import { KubernetesSource } from '../../src/kubernetes/watch/index.js';
import { selectEndpoints } from '../../src/ingress/endpoints.js';
import {
  ensureKubeBinaries,
  startEtcd,
  startKubeApiserver,
  type Etcd,
  type KubeApiserver,
} from '../support/kube-apiserver.js';

jest.setTimeout(120_000);

const NS = 'shop';
const USER = 'vm-registrar';

let etcd: Etcd | undefined;
let api: KubeApiserver | undefined;
let core: CoreV1Api;
let disco: DiscoveryV1Api;
let kubeconfig: string;
let tmp: string;

beforeAll(async () => {
  await ensureKubeBinaries(); // a cold build takes minutes
  etcd = await startEtcd();
  api = await startKubeApiserver({ etcd, name: 'east', users: [{ name: USER }] });
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig('admin'));
  core = kc.makeApiClient(CoreV1Api);
  disco = kc.makeApiClient(DiscoveryV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  // Exactly the rules docs/kubernetes.md ("VM backends") gives the CLI.
  await rbac.createClusterRole({
    body: {
      metadata: { name: 'causeway-vm-registrar' },
      rules: [
        { apiGroups: [''], resources: ['services'], verbs: ['get'] },
        {
          apiGroups: ['discovery.k8s.io'],
          resources: ['endpointslices'],
          verbs: ['get', 'create', 'update', 'delete'],
        },
      ],
    },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'causeway-vm-registrar' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'causeway-vm-registrar' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: USER }],
    },
  });
  await core.createNamespace({ body: { metadata: { name: NS } } });
  for (const body of [
    service('api', [
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'grpc', port: 9000, targetPort: 9000 },
    ]),
    service('legacy', [{ port: 80 }]),
    service('race', [{ name: 'http', port: 80 }]),
    service('mixed', [{ name: 'http', port: 80, targetPort: 8080 }], { app: 'mixed' }),
  ]) {
    await core.createNamespacedService({ namespace: NS, body });
  }
  kubeconfig = api.kubeconfig(USER);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-vm-e2e-'));
}, 15 * 60_000);

afterAll(async () => {
  await api?.stop();
  await etcd?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function service(
  name: string,
  ports: NonNullable<V1Service['spec']>['ports'],
  selector?: Record<string, string>,
): V1Service {
  return { metadata: { name, namespace: NS }, spec: { ports, ...(selector ? { selector } : {}) } };
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `causeway ARGS` in-process: the exit status commander would exit with, and the captured output. */
async function causeway(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const program = new Command('causeway')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) })
    .showHelpAfterError('(run with --help for usage)');
  registerVmCommand(program);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    if (err instanceof CommanderError) return { code: err.exitCode, stdout, stderr };
    throw err;
  }
}

/** `causeway vm VERB --service shop/NAME ... --kubeconfig <vm-registrar>`. */
function vm(verb: 'register' | 'deregister', svc: string, ...args: string[]): Promise<Run> {
  return causeway('vm', verb, '--service', `${NS}/${svc}`, ...args, '--kubeconfig', kubeconfig);
}

async function readSlice(name: string): Promise<V1EndpointSlice | undefined> {
  try {
    return await disco.readNamespacedEndpointSlice({ name, namespace: NS });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

function addressesOf(slice: V1EndpointSlice | undefined): string[] {
  return (slice?.endpoints ?? []).map((e) => e.addresses[0] ?? '');
}

test('vm register --help and vm deregister --help list the contract flags', async () => {
  const reg = await causeway('vm', 'register', '--help');
  expect(reg.code).toBe(0);
  for (const flag of [
    '--service',
    '--address',
    '--port',
    '--port-name',
    '--zone',
    '--node-name',
    '--kubeconfig',
    '--context',
    '--force',
  ])
    expect(reg.stdout).toContain(flag);
  expect(reg.stdout).toContain('<service>-causeway-vms');
  const dereg = await causeway('vm', 'deregister', '--help');
  expect(dereg.code).toBe(0);
  for (const flag of ['--service', '--address', '--kubeconfig', '--context'])
    expect(dereg.stdout).toContain(flag);
  const group = await causeway('vm', '--help');
  expect(group.stdout).toMatch(/register[\s\S]*deregister/);
});

test('register creates the slice; the same command again writes nothing', async () => {
  const args = [
    '--address',
    '192.0.2.11,192.0.2.10',
    '--port',
    '8080',
    '--zone',
    'dc1',
    '--node-name',
    'vm-a',
  ];
  const first = await vm('register', 'api', ...args);
  expect(first).toEqual({
    code: 0,
    stdout: 'EndpointSlice shop/api-causeway-vms: added 192.0.2.11, 192.0.2.10; 2 endpoints\n',
    stderr: '',
  });
  const slice = await readSlice('api-causeway-vms');
  const svc = await core.readNamespacedService({ name: 'api', namespace: NS });
  expect(slice?.metadata?.labels).toEqual({
    'kubernetes.io/service-name': 'api',
    'endpointslice.kubernetes.io/managed-by': 'vms.causeway.dev',
  });
  expect(slice?.metadata?.ownerReferences).toEqual([
    { apiVersion: 'v1', kind: 'Service', name: 'api', uid: svc.metadata?.uid },
  ]);
  expect(slice?.addressType).toBe('IPv4');
  // --port 8080 is the targetPort of the Service port "http".
  expect(slice?.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
  expect(slice?.endpoints).toEqual([
    {
      addresses: ['192.0.2.10'],
      conditions: { ready: true, serving: true, terminating: false },
      zone: 'dc1',
      nodeName: 'vm-a',
    },
    {
      addresses: ['192.0.2.11'],
      conditions: { ready: true, serving: true, terminating: false },
      zone: 'dc1',
      nodeName: 'vm-a',
    },
  ]);

  const again = await vm('register', 'api', ...args);
  expect(again.code).toBe(0);
  expect(again.stdout).toBe(
    'EndpointSlice shop/api-causeway-vms: already registered 192.0.2.11, 192.0.2.10; 2 endpoints, unchanged\n',
  );
  expect((await readSlice('api-causeway-vms'))?.metadata?.resourceVersion).toBe(
    slice?.metadata?.resourceVersion,
  );
});

test('register adds to the slice; deregister removes, then deletes the empty slice; both are idempotent', async () => {
  const add = await vm(
    'register',
    'api',
    '--address',
    '192.0.2.12',
    '--address',
    '192.0.2.9',
    '--port',
    '8080',
  );
  expect(add.stdout).toBe('EndpointSlice shop/api-causeway-vms: added 192.0.2.12, 192.0.2.9; 4 endpoints\n');
  expect(addressesOf(await readSlice('api-causeway-vms'))).toEqual([
    '192.0.2.9',
    '192.0.2.10',
    '192.0.2.11',
    '192.0.2.12',
  ]);

  const some = await vm('deregister', 'api', '--address', '192.0.2.10,192.0.2.99');
  expect(some).toEqual({
    code: 0,
    stdout:
      'EndpointSlice shop/api-causeway-vms: removed 192.0.2.10; not registered 192.0.2.99; 3 endpoints\n',
    stderr: '',
  });
  expect(addressesOf(await readSlice('api-causeway-vms'))).toEqual(['192.0.2.9', '192.0.2.11', '192.0.2.12']);

  const rest = await vm('deregister', 'api', '--address', '192.0.2.9,192.0.2.11,192.0.2.12');
  expect(rest.stdout).toBe(
    'EndpointSlice shop/api-causeway-vms: removed 192.0.2.9, 192.0.2.11, 192.0.2.12; no endpoint left: slice deleted\n',
  );
  expect(await readSlice('api-causeway-vms')).toBeUndefined();

  const again = await vm('deregister', 'api', '--address', '192.0.2.9');
  expect(again).toEqual({
    code: 0,
    stdout: 'EndpointSlice shop/api-causeway-vms: not registered 192.0.2.9; no slice\n',
    stderr: '',
  });
});

test('concurrent registrations all land (409 Conflicts are re-read and retried)', async () => {
  const addresses = Array.from({ length: 6 }, (_, i) => `198.51.100.${i + 1}`);
  const runs = await Promise.all(
    addresses.map((a) => vm('register', 'race', '--address', a, '--port', '8080')),
  );
  for (const r of runs) expect(r).toMatchObject({ code: 0, stderr: '' });
  expect(addressesOf(await readSlice('race-causeway-vms'))).toEqual(addresses);
  const gone = await Promise.all(addresses.map((a) => vm('deregister', 'race', '--address', a)));
  for (const r of gone) expect(r.code).toBe(0);
  expect(await readSlice('race-causeway-vms')).toBeUndefined();
});

test('the apiserver itself refuses a loopback endpoint address', async () => {
  await expect(
    disco.createNamespacedEndpointSlice({
      namespace: NS,
      body: {
        metadata: { name: 'loopback', namespace: NS, labels: { 'kubernetes.io/service-name': 'legacy' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['127.0.0.1'] }],
        ports: [{ port: 80 }],
      },
    }),
  ).rejects.toMatchObject({ code: 422 });
});

test.each([
  [['--address', '127.0.0.1', '--port', '8080'], 1, /127\.0\.0\.1 is a loopback address.*apiserver refuses/],
  [['--address', '192.0.2.1,169.254.1.1', '--port', '8080'], 1, /169\.254\.1\.1 is a link-local address/],
  [['--address', '0.0.0.0', '--port', '8080'], 1, /0\.0\.0\.0 is the unspecified address/],
  [['--address', '::1', '--port', '8080'], 1, /::1 is a loopback address/],
  [['--address', 'vm1.example.com', '--port', '8080'], 1, /"vm1\.example\.com" is not an IP address/],
  [['--address', '192.0.2.1', '--port', '0'], 1, /--port.*not a port number/],
  [['--address', '192.0.2.1'], 1, /required option '--port <n>' not specified/],
  [['--port', '8080'], 1, /required option '--address <ip\[,ip...\]>' not specified/],
  [['--address', '192.0.2.1', '--port', '8080', '--zone', 'a b'], 1, /"a b" is not a zone name/],
  [['--address', '192.0.2.1,2001:db8::1', '--port', '8080'], 2, /mixes IPv4 and IPv6/],
  [
    ['--address', '192.0.2.1', '--port', '7777'],
    2,
    /no port of Service shop\/api matches port 7777.*--port-name/,
  ],
  [['--address', '192.0.2.1', '--port', '8080', '--port-name', 'web'], 2, /has no port named "web"/],
])('register api %j fails with exit %d', async (args, code, message) => {
  const r = await vm('register', 'api', ...args);
  expect(r.code).toBe(code);
  expect(r.stderr).toMatch(message);
  expect(r.stdout).toBe('');
  expect(await readSlice('api-causeway-vms')).toBeUndefined();
});

test('a malformed --service, a missing Service or an unreadable kubeconfig fail clearly', async () => {
  const bad = await causeway('vm', 'register', '--service', 'api', '--address', '192.0.2.1', '--port', '80');
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/"api" is not NAMESPACE\/NAME of a Service/);
  const missing = await vm('register', 'nope', '--address', '192.0.2.1', '--port', '80');
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/causeway: CW_E_USAGE: Service shop\/nope does not exist/);
  const noConfig = await causeway(
    'vm',
    'deregister',
    '--service',
    'shop/api',
    '--address',
    '192.0.2.1',
    '--kubeconfig',
    path.join(tmp, 'missing.yaml'),
  );
  expect(noConfig.code).toBe(2);
  expect(noConfig.stderr).toMatch(/kubeconfig .*missing\.yaml cannot be read/);
});

test('a user without the RBAC gets exit 1 and what it needs', async () => {
  const r = await causeway(
    'vm',
    'register',
    '--service',
    'shop/api',
    '--address',
    '192.0.2.1',
    '--port',
    '8080',
    '--kubeconfig',
    api!.kubeconfig('viewer'),
  );
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/cannot read Service shop\/api: HTTP 403.*needs get on services/);
  expect(r.stderr).not.toContain('--help');
});

test('a port or family other than the slice has is refused; the slice is kept', async () => {
  expect((await vm('register', 'legacy', '--address', '192.0.2.1', '--port', '8080')).code).toBe(0);
  // One-port Service with an unnamed port: the slice port is unnamed too (the apiserver stores name "").
  expect((await readSlice('legacy-causeway-vms'))?.ports).toEqual([
    { name: '', port: 8080, protocol: 'TCP' },
  ]);
  const port = await vm('register', 'legacy', '--address', '192.0.2.2', '--port', '9090');
  expect(port.code).toBe(2);
  expect(port.stderr).toMatch(/serves port \(unnamed\) 8080, not \(unnamed\) 9090/);
  const family = await vm('register', 'legacy', '--address', '2001:db8::2', '--port', '8080');
  expect(family.code).toBe(2);
  expect(family.stderr).toMatch(/holds IPv4 addresses/);
  expect(addressesOf(await readSlice('legacy-causeway-vms'))).toEqual(['192.0.2.1']);
  expect((await vm('deregister', 'legacy', '--address', '192.0.2.1')).code).toBe(0);
});

test('a slice of that name that another tool manages is never touched', async () => {
  await disco.createNamespacedEndpointSlice({
    namespace: NS,
    body: {
      metadata: {
        name: 'legacy-causeway-vms',
        namespace: NS,
        labels: {
          'kubernetes.io/service-name': 'legacy',
          'endpointslice.kubernetes.io/managed-by': 'someone-else',
        },
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['192.0.2.50'] }],
      ports: [{ port: 80 }],
    },
  });
  for (const r of [
    await vm('register', 'legacy', '--address', '192.0.2.1', '--port', '80'),
    await vm('deregister', 'legacy', '--address', '192.0.2.50'),
  ]) {
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/managed-by: someone-else.*refusing to change it/);
  }
  expect(addressesOf(await readSlice('legacy-causeway-vms'))).toEqual(['192.0.2.50']);
  await disco.deleteNamespacedEndpointSlice({ name: 'legacy-causeway-vms', namespace: NS });
});

test('a Service with a selector needs --force; the VMs then merge with its pods in their own zone', async () => {
  // What the EndpointSlice controller would write for the pods.
  await disco.createNamespacedEndpointSlice({
    namespace: NS,
    body: {
      metadata: {
        name: 'mixed-abcde',
        namespace: NS,
        labels: {
          'kubernetes.io/service-name': 'mixed',
          'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
        },
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.1.10'], conditions: { ready: true }, zone: 'us-east-1a' }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  });
  const refused = await vm('register', 'mixed', '--address', '192.0.2.20', '--port', '8080', '--zone', 'dc1');
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/has a selector \(app=mixed\).*--force/);
  const forced = await vm(
    'register',
    'mixed',
    '--address',
    '192.0.2.20',
    '--port',
    '8080',
    '--zone',
    'dc1',
    '--force',
  );
  expect(forced.code).toBe(0);

  const kc = new KubeConfig();
  kc.loadFromFile(api!.kubeconfig('admin'));
  const source = new KubernetesSource({ cluster: 'east', kubeConfig: kc });
  try {
    const { resources } = await source.load();
    const sel = selectEndpoints(resources, { namespace: NS, name: 'mixed', port: 80, portName: 'http' });
    expect(sel.localities).toEqual([
      {
        cluster: 'east',
        zone: 'dc1',
        priority: 0,
        endpoints: [{ address: '192.0.2.20', port: 8080, state: 'ready' }],
      },
      {
        cluster: 'east',
        zone: 'us-east-1a',
        priority: 0,
        endpoints: [{ address: '10.244.1.10', port: 8080, state: 'ready' }],
      },
    ]);
  } finally {
    await source.close();
  }
});
