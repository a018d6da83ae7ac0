/**
 * Lint of manifests/: every file parses (multi-document YAML) into objects of known kinds with pinned
 * images, and the gateway DaemonSet agrees with what it runs:
 * - the stop-script ConfigMap holds gateways/causeway-gateway-stop.sh byte for byte (UPDATE_GOLDEN=1
 *   regenerates manifests/gateway-stop-script.yaml from the script), and the preStop runs it from the
 *   folder where that ConfigMap is mounted, with an admin address equal to the bootstrap's;
 * - its ports and readiness probe agree with the controller config (manifests/controller-config.yaml) and
 *   the health path the translator serves; the grace period outlasts the preStop; Envoy's drain time
 *   equals the script's;
 * - the init container's flags, given to the real `causeway gateway bootstrap`, make a bootstrap that
 *   the real Envoy 1.40 starts with the Envoy container's exact flags, and the preStop command drains it;
 * - a real kube-apiserver accepts every object (server-side dry run; Namespaces are created for real).
 */
import fs from 'node:fs';
import path from 'node:path';
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { DockerfileParser } from 'dockerfile-ast';
import YAML from 'yaml';
import { parseControllerConfig } from '../../src/config/controller-config.js';
import { translateOptionsFrom } from '../../src/cli/translate-options-from-flags.js';
import { HEALTH_PATH } from '../../src/translate/group-builder.js';
import { groupSettings } from '../../src/translate/translate-options.js';
import { ENVOY_VERSION, projectRoot } from '../../src/tools/envoy-binary.js';
import { errorText, parseManifests, type ManifestObject } from '../support/kube-apply.js';
import {
  ensureKubeBinaries,
  startEtcd,
  startKubeApiserver,
  type Etcd,
  type KubeApiserver,
} from '../support/kube-apiserver.js';
import {
  STOP_SCRIPT,
  flagValue,
  runBootstrapCommand,
  runStopScript,
  startPackagedEnvoy,
  withFlagValues,
  type PackagedEnvoy,
} from '../support/gateway-packaging.js';
import { tempDir } from '../support/manifests.js';
import { freePorts } from '../support/ports.js';

const ROOT = projectRoot();
const MANIFESTS = path.join(ROOT, 'manifests');
const STOP_SCRIPT_KEY = 'causeway-gateway-stop.sh';
const STOP_CONFIGMAP_FILE = path.join(MANIFESTS, 'gateway-stop-script.yaml');
const PACKAGE_VERSION = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/** The kinds manifests/ may hold, by `apiVersion/kind`. */
const KNOWN_KINDS = new Set([
  'v1/Namespace',
  'v1/ServiceAccount',
  'v1/Service',
  'v1/ConfigMap',
  'apps/v1/Deployment',
  'apps/v1/DaemonSet',
  'rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1/RoleBinding',
  'networking.k8s.io/v1/IngressClass',
]);

// ---------------------------------------------------------------------------------------------------
// The generated stop-script ConfigMap

/** manifests/gateway-stop-script.yaml as generated from the stop script's text. */
function stopScriptConfigMap(script: string): string {
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'causeway-gateway-stop',
      namespace: 'causeway-gateways',
      labels: { 'app.kubernetes.io/name': 'causeway-gateway' },
    },
    data: { [STOP_SCRIPT_KEY]: script },
  };
  const header =
    '# GENERATED from gateways/causeway-gateway-stop.sh by test/e2e/manifests-lint.test.ts; do not edit.\n' +
    '# Regenerate: UPDATE_GOLDEN=1 node --experimental-vm-modules node_modules/jest/bin/jest.js manifests-lint\n' +
    '# The gateway DaemonSet mounts it and runs the script as its preStop hook.\n';
  return header + YAML.stringify(configMap, { lineWidth: 0, blockQuote: 'literal' });
}

// ---------------------------------------------------------------------------------------------------
// Reading the manifests

interface Container {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly { name: string; value?: string }[];
  readonly ports?: readonly { name?: string; containerPort: number; hostPort?: number }[];
  readonly readinessProbe?: { httpGet?: { path: string; port: string | number } };
  readonly lifecycle?: { preStop?: { exec?: { command: readonly string[] } } };
  readonly volumeMounts?: readonly { name: string; mountPath: string }[];
  readonly securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { add?: readonly string[]; drop?: readonly string[] };
  };
}

interface PodSpec {
  readonly hostNetwork?: boolean;
  readonly dnsPolicy?: string;
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: readonly { key: string; operator?: string; value?: string; effect?: string }[];
  readonly terminationGracePeriodSeconds?: number;
  readonly securityContext?: { runAsNonRoot?: boolean };
  readonly initContainers?: readonly Container[];
  readonly containers: readonly Container[];
  readonly volumes?: readonly { name: string; configMap?: { name: string; defaultMode?: number } }[];
}

function manifestFiles(): string[] {
  return fs
    .readdirSync(MANIFESTS)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
}

function allObjects(): { file: string; object: ManifestObject }[] {
  return manifestFiles().flatMap((file) =>
    parseManifests(fs.readFileSync(path.join(MANIFESTS, file), 'utf8'), file).map((object) => ({
      file,
      object,
    })),
  );
}

function podSpecOf(o: ManifestObject): PodSpec | undefined {
  return (o as { spec?: { template?: { spec?: PodSpec } } }).spec?.template?.spec;
}

function only<T>(items: readonly T[], what: string): T {
  if (items.length !== 1) throw new Error(`expected exactly one ${what}, found ${String(items.length)}`);
  return items[0]!;
}

/** `$(VAR)` references replaced as the kubelet does, from `values`. */
function expand(args: readonly string[], values: Readonly<Record<string, string>>): string[] {
  return args.map((a) =>
    a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string) => values[name] ?? m),
  );
}

const objects = allObjects();
const daemonSet = only(
  objects.filter((o) => o.object.kind === 'DaemonSet').map((o) => o.object),
  'DaemonSet',
);
const pod = podSpecOf(daemonSet)!;
const envoy = only(
  pod.containers.filter((c) => c.name === 'envoy'),
  'envoy container',
);
const bootstrapInit = only(
  (pod.initContainers ?? []).filter((c) => c.name === 'bootstrap'),
  'bootstrap init container',
);
const group = daemonSet.metadata.labels?.['causeway.dev/gateway-group'] ?? '';
const preStop = envoy.lifecycle?.preStop?.exec?.command ?? [];
const bootstrapArgs = expand(bootstrapInit.args ?? [], {
  GATEWAY_GROUP: bootstrapInit.env?.find((e) => e.name === 'GATEWAY_GROUP')?.value ?? '',
});

describe('manifests/', () => {
  test('every file parses into objects of known kinds, namespaced ones with a namespace', () => {
    expect(manifestFiles()).toEqual(
      expect.arrayContaining(['gateway-daemonset.yaml', 'gateway-stop-script.yaml', 'deployment.yaml']),
    );
    for (const { file, object } of objects) {
      const key = `${object.apiVersion}/${object.kind}`;
      expect([file, key, KNOWN_KINDS.has(key)]).toEqual([file, key, true]);
      const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'IngressClass'].includes(
        object.kind,
      );
      expect([file, object.metadata.name, object.metadata.namespace !== undefined]).toEqual([
        file,
        object.metadata.name,
        !clusterScoped,
      ]);
    }
  });

  test('every container image is pinned (a version tag, never latest); ours and Envoy at the tested versions', () => {
    const images = objects.flatMap(({ object }) => {
      const spec = podSpecOf(object);
      return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((c) => c.image);
    });
    expect(images.length).toBeGreaterThanOrEqual(4);
    for (const image of images) {
      const tag = /^[^@]+:([^:/@]+)$/.exec(image)?.[1] ?? '';
      expect([image, /\d+\.\d+/.test(tag) && !/latest/.test(tag)]).toEqual([image, true]);
    }
    expect(envoy.image).toBe(`envoyproxy/envoy:distroless-v${ENVOY_VERSION}`);
    expect(bootstrapInit.image).toBe(`causeway:${PACKAGE_VERSION}`);
  });

  test('the stop-script ConfigMap is gateways/causeway-gateway-stop.sh byte for byte', () => {
    const script = fs.readFileSync(STOP_SCRIPT, 'utf8');
    if (process.env['UPDATE_GOLDEN'] === '1')
      fs.writeFileSync(STOP_CONFIGMAP_FILE, stopScriptConfigMap(script));
    const configMap = only(
      parseManifests(fs.readFileSync(STOP_CONFIGMAP_FILE, 'utf8'), STOP_CONFIGMAP_FILE),
      'object in gateway-stop-script.yaml',
    ) as ManifestObject & { data: Record<string, string> };
    expect(
      Buffer.from(configMap.data[STOP_SCRIPT_KEY] ?? '', 'utf8').equals(fs.readFileSync(STOP_SCRIPT)),
    ).toBe(true);
    expect(configMap.metadata.namespace).toBe(daemonSet.metadata.namespace);

    // The preStop runs it from where the DaemonSet mounts this ConfigMap.
    const volume = only(
      (pod.volumes ?? []).filter((v) => v.configMap?.name === configMap.metadata.name),
      'volume of the stop-script ConfigMap',
    );
    const mount = only(
      (envoy.volumeMounts ?? []).filter((m) => m.name === volume.name),
      'mount of the stop-script volume',
    );
    expect(preStop).toContain(path.posix.join(mount.mountPath, STOP_SCRIPT_KEY));
    expect((volume.configMap?.defaultMode ?? 0) & 0o555).toBe(0o555);
  });

  test('gateway pods: host network with cluster DNS, the dedicated taint and node label of their group', () => {
    expect(group).toMatch(/^[a-z0-9-]+$/);
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(pod.nodeSelector).toEqual({ 'causeway.dev/gateway-group': group });
    expect(pod.tolerations).toContainEqual({
      key: 'causeway.dev/gateway',
      operator: 'Equal',
      value: group,
      effect: 'NoSchedule',
    });
    expect(flagValue(bootstrapArgs, '--group')).toBe(group);
    // The init container runs the CLI the way the image's ENTRYPOINT does (same script path).
    const entrypoint = DockerfileParser.parse(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))
      .getENTRYPOINTs()
      .at(-1)
      ?.getJSONStrings()
      .map((a) => a.getJSONValue());
    const cliScript = entrypoint?.find((a) => a.endsWith('/causeway.js'));
    expect(cliScript).toBeDefined();
    expect((bootstrapInit.command ?? []).join(' ')).toContain(
      `node ${cliScript ?? '?'} gateway bootstrap "$@"`,
    );
    expect(bootstrapInit.args).toEqual(expect.arrayContaining(['--node-id', '$(NODE_NAME)']));
  });

  test('ports and the readiness probe agree with the controller config and the translator health path', () => {
    const configMap = only(
      objects.filter((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === 'causeway-config'),
      'causeway-config ConfigMap',
    ).object as ManifestObject & { data: Record<string, string> };
    const config = parseControllerConfig('config.yaml', configMap.data['config.yaml'] ?? '');
    const settings = groupSettings(translateOptionsFrom(config, {}), group);
    const port = (name: string): number | undefined =>
      envoy.ports?.find((p) => p.name === name)?.containerPort;
    expect({ http: port('http'), https: port('https'), health: port('health') }).toEqual({
      http: settings.httpPort,
      https: settings.httpsPort,
      health: settings.healthPort,
    });
    for (const p of envoy.ports ?? []) expect(p.hostPort).toBe(p.containerPort); // hostNetwork
    expect(envoy.readinessProbe?.httpGet).toEqual({ path: HEALTH_PATH, port: 'health' });
  });

  test('the controller Deployment reads the causeway-config ConfigMap through --config', () => {
    const deployment = only(
      objects.filter((o) => o.object.kind === 'Deployment'),
      'controller Deployment',
    ).object;
    const spec = podSpecOf(deployment)!;
    const controller = only(spec.containers, 'controller container');
    const configFlag = (controller.args ?? []).find((a) => a.startsWith('--config='));
    expect(configFlag).toBeDefined();
    const configPath = configFlag!.slice('--config='.length);
    const mount = (controller.volumeMounts ?? []).find((m) => configPath.startsWith(`${m.mountPath}/`));
    expect(mount).toBeDefined();
    const volume = (spec.volumes ?? []).find((v) => v.name === mount!.name);
    expect(volume?.configMap?.name).toBe('causeway-config');
    expect(path.posix.relative(mount!.mountPath, configPath)).toBe('config.yaml');
    // The leader-election identity comes from the pod name.
    expect((controller.env ?? []).map((e) => e.name)).toEqual(
      expect.arrayContaining(['POD_NAME', 'POD_NAMESPACE']),
    );
  });

  test('drain timing: the grace period outlasts the preStop; Envoy drains as long as the script waits', () => {
    const fail = Number(flagValue(preStop, '--fail-seconds'));
    const drain = Number(flagValue(preStop, '--drain-seconds'));
    expect(fail).toBeGreaterThan(0);
    expect(drain).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(fail + drain);
    expect(Number(flagValue(envoy.args ?? [], '--drain-time-s'))).toBe(drain);
    expect(flagValue(envoy.args ?? [], '--drain-strategy')).toMatch(/^(gradual|immediate)$/);
  });

  test('the admin API is on 127.0.0.1 at the port the bootstrap flags give, where the preStop calls it', () => {
    const adminPort = flagValue(bootstrapArgs, '--admin-port');
    expect(flagValue(preStop, '--admin')).toBe(`127.0.0.1:${adminPort ?? '?'}`);
  });

  test('security: non-root, no privilege escalation, capabilities dropped, NET_BIND_SERVICE only for ports < 1024', () => {
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      const sc = c.securityContext ?? {};
      expect([c.name, sc.allowPrivilegeEscalation, sc.capabilities?.drop]).toEqual([c.name, false, ['ALL']]);
      expect([c.name, (sc.runAsUser ?? 0) > 0]).toEqual([c.name, true]);
      const lowPort = (c.ports ?? []).some((p) => p.containerPort < 1024);
      expect([c.name, sc.capabilities?.add ?? []]).toEqual([c.name, lowPort ? ['NET_BIND_SERVICE'] : []]);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// The DaemonSet's commands, run for real

describe('gateway DaemonSet commands with the real CLI, Envoy and stop script', () => {
  test('the init container bootstrap starts Envoy 1.40 with the container flags; the preStop drains it', async () => {
    const [xdsPort = 0, adminPort = 0] = await freePorts(2);
    const dir = tempDir('causeway-daemonset-');
    let envoyProcess: PackagedEnvoy | undefined;
    try {
      // The init container's flags, on loopback: xDS to a port nothing listens on, admin on a free port.
      const bootstrap = runBootstrapCommand(
        withFlagValues(expand(bootstrapArgs, { NODE_NAME: 'gw-node-1' }), {
          '--xds': `127.0.0.1:${String(xdsPort)}`,
          '--admin-port': String(adminPort),
        }),
      );
      expect(bootstrap.node).toEqual(expect.objectContaining({ id: 'gw-node-1', cluster: group }));
      expect(bootstrap.admin.address.socket_address).toEqual({ address: '127.0.0.1', port_value: adminPort });
      const bootstrapFile = path.join(dir, 'bootstrap.yaml');
      fs.writeFileSync(bootstrapFile, bootstrap.text);

      // The Envoy container's exact command line, the bootstrap path mapped to the temp folder.
      expect(envoy.command).toEqual(['/usr/local/bin/envoy']);
      expect(flagValue(envoy.args ?? [], '--config-path')).toBe('/etc/causeway/envoy/bootstrap.yaml');
      envoyProcess = await startPackagedEnvoy(
        withFlagValues(envoy.args ?? [], { '--config-path': bootstrapFile }),
        adminPort,
      );
      expect(await envoyProcess.serverLive()).toBe('1');

      // The preStop command: the host's sh instead of the busybox copy, the script from the repository,
      // the waits shortened to 0 (the flags and the admin address are the DaemonSet's).
      const [shell, shArg, script, ...scriptArgs] = preStop;
      expect([path.basename(shell ?? ''), shArg, path.basename(script ?? '')]).toEqual([
        'busybox',
        'sh',
        STOP_SCRIPT_KEY,
      ]);
      const stopped = await runStopScript(
        withFlagValues(scriptArgs, {
          '--admin': `127.0.0.1:${String(adminPort)}`,
          '--fail-seconds': '0',
          '--drain-seconds': '0',
        }),
      );
      expect([stopped.code, stopped.output]).toEqual([0, expect.stringContaining('drained')]);
      // Envoy now fails its health check (what /healthz and the readiness probe report): server.live 1 -> 0.
      expect(await envoyProcess.serverLive()).toBe('0');
    } finally {
      envoyProcess?.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------
// A real apiserver validates every object

describe('a real kube-apiserver accepts manifests/ (server-side dry run)', () => {
  let etcd: Etcd | undefined;
  let api: KubeApiserver | undefined;

  beforeAll(async () => {
    await ensureKubeBinaries(); // a cold build takes minutes
    etcd = await startEtcd();
    api = await startKubeApiserver({ etcd, name: 'manifests' });
  }, 600_000);

  afterAll(async () => {
    await api?.stop();
    await etcd?.stop();
  });

  test('every object of every file is valid', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(api!.kubeconfig('admin'));
    const client = KubernetesObjectApi.makeApiClient(kc);
    const failures: string[] = [];
    // Namespaces for real (a dry-run Namespace does not exist for the objects in it), the rest dry-run.
    const sorted = [...objects].sort(
      (a, b) => Number(b.object.kind === 'Namespace') - Number(a.object.kind === 'Namespace'),
    );
    for (const { file, object } of sorted) {
      const dryRun = object.kind === 'Namespace' ? undefined : 'All';
      try {
        const stored = await client.create(object as KubernetesObject, undefined, dryRun);
        expect(stored.metadata?.name).toBe(object.metadata.name);
      } catch (err) {
        failures.push(`${file}: ${object.kind} ${object.metadata.name}: ${errorText(err)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
