/**
 * Lint of manifests/: every file parses (multi-document YAML) into objects of known kinds with pinned
 * images, and the gateway DaemonSet agrees with what it runs:
 * - the stop-script ConfigMap holds gateways/causeway-gateway-stop.sh byte for byte (UPDATE_GOLDEN=1
 *   regenerates manifests/gateway-stop-script.yaml from the script), and the preStop runs it from the
 *   folder where that ConfigMap is mounted, with an admin address equal to the bootstrap's;
 * - its ports and readiness probe agree with the controller config (manifests/controller-config.yaml) and
 *   the health path the translator serves; the grace period outlasts the preStop; Envoy's drain time
 *   equals the script's;
 * - xDS is mTLS on both sides: the controller Deployment's --xds-tls-* files and the gateway bootstrap's
 *   certificate files lie in whole-directory mounts (no subPath) of the Secrets causeway-xds-tls and
 *   causeway-gateway-<group>-tls, the SDS folder in a volume the init container writes and Envoy reads;
 *   manifests/examples/cert-manager-certificates.yaml issues those Secrets with the SANs both sides check;
 * - the init container's flags, given to the real `causeway gateway bootstrap`, make a bootstrap that
 *   the real Envoy 1.40 starts with the Envoy container's exact flags; with test certificates laid out
 *   where the mounts say (as the kubelet lays out a Secret volume), it connects over mTLS to a real
 *   controller run with the Deployment's TLS flags, is served its group, reloads a rotated client
 *   certificate, and the preStop command drains it;
 * - the controller's admin server is split: probes on the `admin` port of --admin-address, the mutating
 *   API on its own `admin-api` port behind --admin-token-file in a whole-directory mount of the
 *   causeway-admin-token Secret (the rule `causeway controller` applies accepts the flags, and refuses
 *   them without the token file); the NetworkPolicy selects exactly the controller pods and opens each
 *   of their ports to its own audience (xDS to all, admin to this namespace and the metrics namespaces,
 *   admin-api to this namespace only), nothing else;
 * - a real kube-apiserver accepts every object (server-side dry run; Namespaces are created for real).
 */
import fs from 'node:fs';
import path from 'node:path';
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { DockerfileParser } from 'dockerfile-ast';
import YAML from 'yaml';
import { runController, type RunningController } from '../../src/controller/app.js';
import { parseHostPort } from '../../src/cli/cli-errors.js';
import { parseControllerConfig } from '../../src/config/controller-config.js';
import { translateOptionsFrom } from '../../src/controller/translate-options-from-config.js';
import { HEALTH_PATH } from '../../src/translate/group-builder.js';
import { groupSettings } from '../../src/translate/translate-options.js';
import { ENVOY_VERSION, projectRoot } from '../../src/tools/envoy-binary.js';
import { checkMutatingApiBind } from '../../src/admin/admin-access.js';
import { xdsTlsOptionsFrom } from '../../xds/server/tls-credentials.js';
import { groupFromCertificate } from '../../xds/server/tls-identity.js';
import { connectedGateways } from '../support/fleet-api.js';
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
import { createTestCa, installTlsFiles } from '../support/tls-certs.js';

const ROOT = projectRoot();
const MANIFESTS = path.join(ROOT, 'manifests');
const STOP_SCRIPT_KEY = 'causeway-gateway-stop.sh';
const STOP_CONFIGMAP_FILE = path.join(MANIFESTS, 'gateway-stop-script.yaml');
const CERT_MANAGER_EXAMPLE = path.join(MANIFESTS, 'examples', 'cert-manager-certificates.yaml');
/** The Secrets of the xDS mTLS certificates (cert-manager's kubernetes.io/tls keys). */
const CONTROLLER_TLS_SECRET = 'causeway-xds-tls';
/** The Secret of the admin API's bearer token (key `token`). */
const ADMIN_TOKEN_SECRET = 'causeway-admin-token';
/** The namespace label that lets a namespace's pods (Prometheus) reach the admin port. */
const METRICS_NAMESPACE_LABEL = 'causeway.dev/scrape-metrics';
const gatewayTlsSecret = (g: string): string => `causeway-gateway-${g}-tls`;
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
  'networking.k8s.io/v1/NetworkPolicy',
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
  readonly livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readonly lifecycle?: { preStop?: { exec?: { command: readonly string[] } } };
  readonly volumeMounts?: readonly {
    name: string;
    mountPath: string;
    subPath?: string;
    readOnly?: boolean;
  }[];
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
  readonly securityContext?: { runAsNonRoot?: boolean; fsGroup?: number };
  readonly initContainers?: readonly Container[];
  readonly containers: readonly Container[];
  readonly volumes?: readonly {
    name: string;
    configMap?: { name: string; defaultMode?: number };
    secret?: { secretName: string; defaultMode?: number };
    emptyDir?: object;
  }[];
}

/** The mount of `container` holding `file` (an absolute path), and its volume. */
function mountOf(
  spec: PodSpec,
  container: Container,
  file: string,
): {
  mount: NonNullable<Container['volumeMounts']>[number];
  volume: NonNullable<PodSpec['volumes']>[number];
} {
  const mount = (container.volumeMounts ?? []).find(
    (m) => file === m.mountPath || file.startsWith(`${m.mountPath}/`),
  );
  if (!mount) throw new Error(`${file} lies in no volume mounted in container ${container.name}`);
  const volume = (spec.volumes ?? []).find((v) => v.name === mount.name);
  if (!volume) throw new Error(`container ${container.name} mounts an undefined volume ${mount.name}`);
  return { mount, volume };
}

/** The value of `--flag=value` in an argument list. */
function eqFlagValue(args: readonly string[], flag: string): string | undefined {
  return args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
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

/** Polls `probe` every 100 ms until it gives a value (not undefined or false). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${String(timeoutMs)} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether Envoy's admin /certs lists a certificate of this serial number (Node's uppercase hex). */
async function certSerial(gw: PackagedEnvoy, serialNumber: string): Promise<boolean | undefined> {
  const body = JSON.parse(await gw.admin('/certs')) as {
    certificates?: { cert_chain?: { serial_number: string }[] }[];
  };
  const want = serialNumber.toLowerCase().replace(/^0+/, '');
  const held = (body.certificates ?? []).flatMap((c) => (c.cert_chain ?? []).map((x) => x.serial_number));
  return held.some((h) => h.toLowerCase().replace(/^0+/, '') === want) ? true : undefined;
}

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

  test('the controller Deployment serves xDS with mTLS from the causeway-xds-tls Secret', () => {
    const deployment = only(
      objects.filter((o) => o.object.kind === 'Deployment'),
      'controller Deployment',
    ).object;
    const spec = podSpecOf(deployment)!;
    const controller = only(spec.containers, 'controller container');
    const args = controller.args ?? [];
    expect(args.filter((a) => a.startsWith('--xds-insecure'))).toEqual([]);
    // What `causeway controller` decides from these flags: mTLS, on a non-loopback address.
    const host = parseHostPort(eqFlagValue(args, '--xds-address') ?? '').host;
    const tls = xdsTlsOptionsFrom(
      {
        xdsTlsCert: eqFlagValue(args, '--xds-tls-cert'),
        xdsTlsKey: eqFlagValue(args, '--xds-tls-key'),
        xdsTlsClientCa: eqFlagValue(args, '--xds-tls-client-ca'),
      },
      host,
    );
    expect(tls).toBeDefined();
    // Each file in a whole-directory mount of the Secret (a subPath mount would never see a rotation).
    const files: [string, string][] = [
      ['--xds-tls-cert', 'tls.crt'],
      ['--xds-tls-key', 'tls.key'],
      ['--xds-tls-client-ca', 'ca.crt'],
    ];
    for (const [flag, key] of files) {
      const file = eqFlagValue(args, flag) ?? '';
      const { mount, volume } = mountOf(spec, controller, file);
      expect([
        flag,
        volume.secret?.secretName,
        mount.subPath,
        path.posix.relative(mount.mountPath, file),
      ]).toEqual([flag, CONTROLLER_TLS_SECRET, undefined, key]);
      // The key is not readable by others; the pod's fsGroup gives the controller's user the group.
      expect([flag, (volume.secret?.defaultMode ?? 0o644) & 0o007]).toEqual([flag, 0]);
    }
    expect(spec.securityContext?.fsGroup).toBe(controller.securityContext?.runAsUser ?? 1000);
  });

  test('the controller Deployment: probes on the admin port, the mutating API on its own port behind a token from the causeway-admin-token Secret', () => {
    const deployment = only(
      objects.filter((o) => o.object.kind === 'Deployment'),
      'controller Deployment',
    ).object;
    const spec = podSpecOf(deployment)!;
    const controller = only(spec.containers, 'controller container');
    const args = controller.args ?? [];
    const portOf = (name: string): number | undefined =>
      controller.ports?.find((p) => p.name === name)?.containerPort;
    const admin = parseHostPort(eqFlagValue(args, '--admin-address') ?? '');
    const adminApi = parseHostPort(eqFlagValue(args, '--admin-api-address') ?? '');
    expect([admin.port, adminApi.port]).toEqual([portOf('admin'), portOf('admin-api')]);
    expect(admin.port).not.toBe(adminApi.port);
    expect(controller.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'admin' });
    expect(controller.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'admin' });
    // What `causeway controller` decides: off loopback the mutating API needs the token file, given here.
    const tokenFile = eqFlagValue(args, '--admin-token-file');
    expect(() => checkMutatingApiBind(adminApi.host, undefined, '--admin-api-address')).toThrow(
      /needs a bearer token/,
    );
    expect(() => checkMutatingApiBind(adminApi.host, tokenFile, '--admin-api-address')).not.toThrow();
    const { mount, volume } = mountOf(spec, controller, tokenFile ?? '');
    expect([
      volume.secret?.secretName,
      mount.subPath,
      path.posix.relative(mount.mountPath, tokenFile ?? ''),
    ]).toEqual([ADMIN_TOKEN_SECRET, undefined, 'token']);
    expect((volume.secret?.defaultMode ?? 0o644) & 0o007).toBe(0);
  });

  test('the NetworkPolicy selects the controller pods only and opens each of their ports to its audience, nothing more', () => {
    const deployment = only(
      objects.filter((o) => o.object.kind === 'Deployment'),
      'controller Deployment',
    ).object;
    const policy = only(
      objects.filter((o) => o.object.kind === 'NetworkPolicy'),
      'NetworkPolicy',
    ).object as ManifestObject & {
      spec: {
        podSelector: { matchLabels?: Record<string, string> };
        policyTypes?: string[];
        ingress?: {
          from?: { podSelector?: object; namespaceSelector?: { matchLabels?: Record<string, string> } }[];
          ports?: { port: string | number; protocol?: string }[];
        }[];
      };
    };
    expect(policy.metadata.namespace).toBe(deployment.metadata.namespace);
    const podLabels =
      (deployment as { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }).spec
        ?.template?.metadata?.labels ?? {};
    const selector = policy.spec.podSelector.matchLabels ?? {};
    expect(Object.keys(selector).length).toBeGreaterThan(0);
    expect(podLabels).toMatchObject(selector);
    // The gateway pods do not match it (their traffic is not this policy's business).
    const gatewayLabels =
      (daemonSet as { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }).spec
        ?.template?.metadata?.labels ?? {};
    expect(Object.entries(selector).every(([k, v]) => gatewayLabels[k] === v)).toBe(false);
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    // Every rule names its ports (a rule without ports would open all of them); each port is in one rule.
    const rules = policy.spec.ingress ?? [];
    const audienceOf = (port: string): string => {
      const rule = only(
        rules.filter((r) => (r.ports ?? []).some((p) => p.port === port)),
        `NetworkPolicy rule for port ${port}`,
      );
      if (rule.from === undefined) return 'anyone';
      return rule.from
        .map((f) =>
          f.namespaceSelector
            ? `namespaces ${JSON.stringify(f.namespaceSelector.matchLabels)}`
            : JSON.stringify(f.podSelector) === '{}'
              ? 'this namespace'
              : `pods ${JSON.stringify(f.podSelector)}`,
        )
        .join(' + ');
    };
    expect(rules.every((r) => (r.ports ?? []).length > 0)).toBe(true);
    const controller = only(podSpecOf(deployment)!.containers, 'controller container');
    const ports = (controller.ports ?? []).map((p) => p.name ?? '').sort();
    expect(ports).toEqual(['admin', 'admin-api', 'xds']);
    expect(Object.fromEntries(ports.map((p) => [p, audienceOf(p)]))).toEqual({
      xds: 'anyone',
      admin: `this namespace + namespaces {"${METRICS_NAMESPACE_LABEL}":"true"}`,
      'admin-api': 'this namespace',
    });
    expect(rules.flatMap((r) => (r.ports ?? []).map((p) => p.port)).sort()).toEqual(ports);
  });

  test("gateway pods: xDS mTLS from their group's Secret, the SDS files where Envoy reads them", () => {
    const files: [string, string][] = [
      ['--xds-tls-cert', 'tls.crt'],
      ['--xds-tls-key', 'tls.key'],
      ['--xds-tls-ca', 'ca.crt'],
    ];
    for (const [flag, key] of files) {
      const file = flagValue(bootstrapArgs, flag) ?? '';
      // Envoy reads the files (the init container only writes their paths into the SDS files).
      const { mount, volume } = mountOf(pod, envoy, file);
      expect([
        flag,
        volume.secret?.secretName,
        mount.subPath,
        path.posix.relative(mount.mountPath, file),
      ]).toEqual([flag, gatewayTlsSecret(group), undefined, key]);
      expect([flag, (volume.secret?.defaultMode ?? 0o644) & 0o007]).toEqual([flag, 0]);
    }
    expect(pod.securityContext?.fsGroup).toBe(envoy.securityContext?.runAsUser);
    // The init container mounts no Secret: it reads no key.
    for (const m of bootstrapInit.volumeMounts ?? [])
      expect([m.name, pod.volumes?.find((v) => v.name === m.name)?.secret]).toEqual([m.name, undefined]);
    // The SDS folder: written by the init container, read by Envoy at the same path (the bootstrap and the
    // SDS files name absolute paths).
    const sdsDir = flagValue(bootstrapArgs, '--xds-tls-sds-dir') ?? '';
    const written = mountOf(pod, bootstrapInit, sdsDir);
    const read = mountOf(pod, envoy, sdsDir);
    expect(written.mount.readOnly ?? false).toBe(false);
    expect(read.volume.name).toBe(written.volume.name);
    expect(read.mount.mountPath).toBe(written.mount.mountPath);
    expect(written.volume.emptyDir).toBeDefined();
  });

  test('manifests/examples/cert-manager-certificates.yaml issues both Secrets with the SANs both sides check', () => {
    interface Certificate {
      metadata: { name: string; namespace?: string };
      spec: {
        secretName: string;
        issuerRef: { name: string; kind?: string };
        dnsNames?: string[];
        uris?: string[];
        usages?: string[];
      };
    }
    const certificates = parseManifests(
      fs.readFileSync(CERT_MANAGER_EXAMPLE, 'utf8'),
      CERT_MANAGER_EXAMPLE,
    ) as unknown as (ManifestObject & Certificate)[];
    for (const c of certificates) expect(`${c.apiVersion}/${c.kind}`).toBe('cert-manager.io/v1/Certificate');
    const bySecret = (name: string): Certificate =>
      only(
        certificates.filter((c) => c.spec.secretName === name),
        `Certificate of the Secret ${name}`,
      );
    const deployment = only(
      objects.filter((o) => o.object.kind === 'Deployment'),
      'controller Deployment',
    ).object;
    const server = bySecret(CONTROLLER_TLS_SECRET);
    const client = bySecret(gatewayTlsSecret(group));
    expect(server.metadata.namespace).toBe(deployment.metadata.namespace);
    expect(client.metadata.namespace).toBe(daemonSet.metadata.namespace);
    // One CA signs both: each side checks the other against the ca.crt of its own Secret.
    expect(client.spec.issuerRef).toEqual(server.spec.issuerRef);
    // The controller's certificate carries the name gateways dial (their default server name).
    const xdsHost = (flagValue(bootstrapArgs, '--xds') ?? '').replace(/:\d+$/, '');
    const service = only(
      objects.filter(
        (o) => o.object.kind === 'Service' && o.object.metadata.namespace === deployment.metadata.namespace,
      ),
      'controller Service',
    ).object;
    expect(xdsHost).toBe(`${service.metadata.name}.${service.metadata.namespace ?? ''}.svc`);
    expect(server.spec.dnsNames).toContain(xdsHost);
    expect(server.spec.usages).toContain('server auth');
    // The gateway's certificate names its group in exactly one SPIFFE ID.
    const named = groupFromCertificate((client.spec.uris ?? []).map((u) => `URI:${u}`).join(', '));
    expect(named).toEqual(expect.objectContaining({ ok: true, group }));
    expect(client.spec.usages).toContain('client auth');
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
  test("over mTLS to a controller with the Deployment's TLS flags: the init container bootstrap starts Envoy 1.40 with the container flags, it is served its group and reloads a rotated certificate; the preStop drains it", async () => {
    const [adminPort = 0, httpPort = 0, httpsPort = 0] = await freePorts(3);
    // The containers' filesystems, under one temp folder: container path P is `${root}${P}`.
    const root = tempDir('causeway-daemonset-');
    const at = (p: string): string => path.join(root, p);
    const ca = createTestCa();
    let controller: RunningController | undefined;
    let envoyProcess: PackagedEnvoy | undefined;
    try {
      // The controller's Secret volume, laid out as the kubelet does (..data symlink), with a certificate
      // for the name the gateways dial (the DaemonSet's --xds host) only.
      const deployment = only(
        objects.filter((o) => o.object.kind === 'Deployment'),
        'controller Deployment',
      ).object;
      const controllerArgs = only(podSpecOf(deployment)!.containers, 'controller container').args ?? [];
      const serverFile = (flag: string): string => eqFlagValue(controllerArgs, flag) ?? '';
      const xdsHost = (flagValue(bootstrapArgs, '--xds') ?? '').replace(/:\d+$/, '');
      const server = ca.issueServer({ dns: [xdsHost] });
      installTlsFiles(at(path.posix.dirname(serverFile('--xds-tls-cert'))), {
        'tls.crt': server.cert,
        'tls.key': server.key,
        'ca.crt': ca.caCert,
      });
      const manifests = path.join(root, 'manifests');
      fs.mkdirSync(manifests);
      controller = await runController({
        manifests,
        xdsAddress: '127.0.0.1:0',
        adminAddress: '127.0.0.1:0',
        httpPort,
        httpsPort,
        logLevel: 'silent',
        xdsTlsCert: at(serverFile('--xds-tls-cert')),
        xdsTlsKey: at(serverFile('--xds-tls-key')),
        xdsTlsClientCa: at(serverFile('--xds-tls-client-ca')),
      });

      // The gateway's Secret volume (same layout), a client certificate of the DaemonSet's group.
      const gatewayTlsDir = at(path.posix.dirname(flagValue(bootstrapArgs, '--xds-tls-cert') ?? ''));
      const first = ca.issueClient({ cn: 'gw-node-1', group });
      installTlsFiles(gatewayTlsDir, { 'tls.crt': first.cert, 'tls.key': first.key, 'ca.crt': ca.caCert });

      // The init container's flags: xDS to the controller on loopback, the controller's certificate
      // still checked for the DaemonSet's --xds name; every path mapped into the temp folder.
      const tlsPathFlags = ['--xds-tls-cert', '--xds-tls-key', '--xds-tls-ca', '--xds-tls-sds-dir'];
      const mapped = Object.fromEntries(tlsPathFlags.map((f) => [f, at(flagValue(bootstrapArgs, f) ?? '')]));
      const bootstrap = runBootstrapCommand([
        ...withFlagValues(expand(bootstrapArgs, { NODE_NAME: 'gw-node-1' }), {
          '--xds': `127.0.0.1:${String(controller.xdsPort)}`,
          '--admin-port': String(adminPort),
          ...mapped,
        }),
        '--xds-tls-server-name',
        xdsHost,
      ]);
      expect(bootstrap.node).toEqual(expect.objectContaining({ id: 'gw-node-1', cluster: group }));
      expect(bootstrap.admin.address.socket_address).toEqual({ address: '127.0.0.1', port_value: adminPort });
      const configPath = flagValue(envoy.args ?? [], '--config-path') ?? '';
      expect(configPath).toBe('/etc/causeway/envoy/bootstrap.yaml');
      fs.mkdirSync(path.dirname(at(configPath)), { recursive: true });
      fs.writeFileSync(at(configPath), bootstrap.text);

      // The Envoy container's exact command line, the bootstrap path mapped to the temp folder.
      expect(envoy.command).toEqual(['/usr/local/bin/envoy']);
      envoyProcess = await startPackagedEnvoy(
        withFlagValues(envoy.args ?? [], { '--config-path': at(configPath) }),
        adminPort,
      );
      expect(await envoyProcess.serverLive()).toBe('1');
      const gw = envoyProcess;

      // The controller authorized the stream by the client certificate: group `default`.
      const adminApi = controller.adminPort;
      const connected = await until('the gateway connected over mTLS', async () =>
        (await connectedGateways(adminApi)).find((g) => g.nodeId === 'gw-node-1'),
      );
      expect(connected.group).toBe(group);
      expect(
        await until('Envoy holds its client certificate', () => certSerial(gw, first.serialNumber)),
      ).toBe(true);

      // Rotation as the kubelet does it (a new ..data): Envoy reloads the files through the mount.
      const second = ca.issueClient({ cn: 'gw-node-1', group });
      installTlsFiles(gatewayTlsDir, { 'tls.crt': second.cert, 'tls.key': second.key, 'ca.crt': ca.caCert });
      expect(
        await until('Envoy reloads the rotated client certificate', () =>
          certSerial(gw, second.serialNumber),
        ),
      ).toBe(true);

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
      await controller?.stop();
      ca.remove();
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 90_000);
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
