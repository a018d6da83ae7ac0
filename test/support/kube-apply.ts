/**
 * Applying YAML manifests to a (test) apiserver with @kubernetes/client-node, as `kubectl apply -f` would
 * for the kinds tests use, and credentials for arbitrary bearer tokens:
 *
 *   const objects = await applyManifestFile(adminKc, 'manifests/rbac.yaml');
 *   const token = await serviceAccountToken(adminKc, { namespace: 'causeway-system', name: 'causeway-controller' });
 *   const file = writeKubeconfig({ file: path.join(dir, 'sa.kubeconfig'), server: api.url, caCert: api.caCert, token });
 *
 * Every object goes through the typed client-node API of its kind (CoreV1Api for a Namespace,
 * RbacAuthorizationV1Api for a ClusterRole, ...): created, or, when it exists already, replaced with the
 * manifest's content (the stored resourceVersion is carried, so the replace is not blind). An unknown
 * apiVersion/kind is an error naming the supported ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  ApiException,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  NetworkingV1Api,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import YAML from 'yaml';

/** A parsed manifest: any Kubernetes object with apiVersion, kind and a name. */
export interface ManifestObject extends KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: NonNullable<KubernetesObject['metadata']> & { readonly name: string };
  readonly [field: string]: unknown;
}

/** `value` as a ManifestObject; throws when it lacks apiVersion, kind or metadata.name. */
export function asManifestObject(value: unknown, what = 'object'): ManifestObject {
  const obj = value as Partial<ManifestObject> | null;
  if (
    typeof obj !== 'object' ||
    obj === null ||
    typeof obj.apiVersion !== 'string' ||
    typeof obj.kind !== 'string' ||
    typeof obj.metadata?.name !== 'string'
  ) {
    throw new Error(`${what} lacks apiVersion, kind or metadata.name`);
  }
  return obj as ManifestObject;
}

/** Parses every YAML document of `text` (empty documents skipped); throws on YAML errors or objects without apiVersion, kind or name. */
export function parseManifests(text: string, what = 'manifest'): ManifestObject[] {
  const objects: ManifestObject[] = [];
  YAML.parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) {
      throw new Error(`${what}: document ${String(i + 1)}: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    objects.push(asManifestObject(value, `${what}: document ${String(i + 1)}`));
  });
  return objects;
}

/** Reads and parses a manifest file (see parseManifests). */
export function readManifestFile(file: string): ManifestObject[] {
  return parseManifests(fs.readFileSync(file, 'utf8'), file);
}

// The parsed YAML is handed to the typed client as its model type: the apiserver validates it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

interface KindClient {
  readonly namespaced: boolean;
  create(namespace: string, body: Body): Promise<KubernetesObject>;
  read(namespace: string, name: string): Promise<KubernetesObject>;
  replace(namespace: string, name: string, body: Body): Promise<KubernetesObject>;
}

function kindClients(kc: KubeConfig): ReadonlyMap<string, KindClient> {
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const coordination = kc.makeApiClient(CoordinationV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const clients: Record<string, KindClient> = {
    'v1/Namespace': {
      namespaced: false,
      create: (_ns, body) => core.createNamespace({ body }),
      read: (_ns, name) => core.readNamespace({ name }),
      replace: (_ns, name, body) => core.replaceNamespace({ name, body }),
    },
    'v1/ServiceAccount': {
      namespaced: true,
      create: (namespace, body) => core.createNamespacedServiceAccount({ namespace, body }),
      read: (namespace, name) => core.readNamespacedServiceAccount({ namespace, name }),
      replace: (namespace, name, body) => core.replaceNamespacedServiceAccount({ namespace, name, body }),
    },
    'v1/Service': {
      namespaced: true,
      create: (namespace, body) => core.createNamespacedService({ namespace, body }),
      read: (namespace, name) => core.readNamespacedService({ namespace, name }),
      replace: (namespace, name, body) => core.replaceNamespacedService({ namespace, name, body }),
    },
    'v1/Secret': {
      namespaced: true,
      create: (namespace, body) => core.createNamespacedSecret({ namespace, body }),
      read: (namespace, name) => core.readNamespacedSecret({ namespace, name }),
      replace: (namespace, name, body) => core.replaceNamespacedSecret({ namespace, name, body }),
    },
    'v1/ConfigMap': {
      namespaced: true,
      create: (namespace, body) => core.createNamespacedConfigMap({ namespace, body }),
      read: (namespace, name) => core.readNamespacedConfigMap({ namespace, name }),
      replace: (namespace, name, body) => core.replaceNamespacedConfigMap({ namespace, name, body }),
    },
    'rbac.authorization.k8s.io/v1/ClusterRole': {
      namespaced: false,
      create: (_ns, body) => rbac.createClusterRole({ body }),
      read: (_ns, name) => rbac.readClusterRole({ name }),
      replace: (_ns, name, body) => rbac.replaceClusterRole({ name, body }),
    },
    'rbac.authorization.k8s.io/v1/ClusterRoleBinding': {
      namespaced: false,
      create: (_ns, body) => rbac.createClusterRoleBinding({ body }),
      read: (_ns, name) => rbac.readClusterRoleBinding({ name }),
      replace: (_ns, name, body) => rbac.replaceClusterRoleBinding({ name, body }),
    },
    'rbac.authorization.k8s.io/v1/Role': {
      namespaced: true,
      create: (namespace, body) => rbac.createNamespacedRole({ namespace, body }),
      read: (namespace, name) => rbac.readNamespacedRole({ namespace, name }),
      replace: (namespace, name, body) => rbac.replaceNamespacedRole({ namespace, name, body }),
    },
    'rbac.authorization.k8s.io/v1/RoleBinding': {
      namespaced: true,
      create: (namespace, body) => rbac.createNamespacedRoleBinding({ namespace, body }),
      read: (namespace, name) => rbac.readNamespacedRoleBinding({ namespace, name }),
      replace: (namespace, name, body) => rbac.replaceNamespacedRoleBinding({ namespace, name, body }),
    },
    'networking.k8s.io/v1/IngressClass': {
      namespaced: false,
      create: (_ns, body) => networking.createIngressClass({ body }),
      read: (_ns, name) => networking.readIngressClass({ name }),
      replace: (_ns, name, body) => networking.replaceIngressClass({ name, body }),
    },
    'networking.k8s.io/v1/Ingress': {
      namespaced: true,
      create: (namespace, body) => networking.createNamespacedIngress({ namespace, body }),
      read: (namespace, name) => networking.readNamespacedIngress({ namespace, name }),
      replace: (namespace, name, body) => networking.replaceNamespacedIngress({ namespace, name, body }),
    },
    'discovery.k8s.io/v1/EndpointSlice': {
      namespaced: true,
      create: (namespace, body) => discovery.createNamespacedEndpointSlice({ namespace, body }),
      read: (namespace, name) => discovery.readNamespacedEndpointSlice({ namespace, name }),
      replace: (namespace, name, body) => discovery.replaceNamespacedEndpointSlice({ namespace, name, body }),
    },
    'coordination.k8s.io/v1/Lease': {
      namespaced: true,
      create: (namespace, body) => coordination.createNamespacedLease({ namespace, body }),
      read: (namespace, name) => coordination.readNamespacedLease({ namespace, name }),
      replace: (namespace, name, body) => coordination.replaceNamespacedLease({ namespace, name, body }),
    },
    'apps/v1/Deployment': {
      namespaced: true,
      create: (namespace, body) => apps.createNamespacedDeployment({ namespace, body }),
      read: (namespace, name) => apps.readNamespacedDeployment({ namespace, name }),
      replace: (namespace, name, body) => apps.replaceNamespacedDeployment({ namespace, name, body }),
    },
  };
  return new Map(Object.entries(clients));
}

export interface ApplyOptions {
  /** The namespace of namespaced objects whose manifest names none; default `default`. */
  readonly defaultNamespace?: string;
}

export interface AppliedObject {
  readonly object: ManifestObject;
  readonly action: 'created' | 'replaced';
  /** What the apiserver stored. */
  readonly result: KubernetesObject;
}

function label(object: ManifestObject): string {
  const ns = object.metadata.namespace;
  return `${object.apiVersion}/${object.kind} ${ns ? `${ns}/` : ''}${object.metadata.name}`;
}

/**
 * Creates `object` with the client-node API of its kind, or replaces it when it exists (409): the
 * manifest's content wins, carrying the stored resourceVersion.
 */
export async function applyManifest(
  kc: KubeConfig,
  manifest: KubernetesObject,
  opts: ApplyOptions = {},
): Promise<AppliedObject> {
  const object = asManifestObject(manifest, 'applyManifest: the object');
  const key = `${object.apiVersion}/${object.kind}`;
  const clients = kindClients(kc);
  const client = clients.get(key);
  if (!client) {
    throw new Error(`applyManifest: ${key} is not supported (supported: ${[...clients.keys()].join(', ')})`);
  }
  const namespace = client.namespaced
    ? (object.metadata.namespace ?? opts.defaultNamespace ?? 'default')
    : '';
  const name = object.metadata.name;
  const body = structuredClone(object) as Body;
  if (client.namespaced) body.metadata.namespace = namespace;
  try {
    return { object, action: 'created', result: await client.create(namespace, body) };
  } catch (err) {
    if (!(err instanceof ApiException) || err.code !== 409) {
      throw new Error(`applyManifest: creating ${label(object)} failed: ${errorText(err)}`, { cause: err });
    }
  }
  try {
    const current = await client.read(namespace, name);
    body.metadata.resourceVersion = current.metadata?.resourceVersion;
    return { object, action: 'replaced', result: await client.replace(namespace, name, body) };
  } catch (err) {
    throw new Error(`applyManifest: replacing ${label(object)} failed: ${errorText(err)}`, { cause: err });
  }
}

/** Applies every object of a manifest file in order (like `kubectl apply -f FILE`); returns what was done. */
export async function applyManifestFile(
  kc: KubeConfig,
  file: string,
  opts: ApplyOptions = {},
): Promise<AppliedObject[]> {
  const applied: AppliedObject[] = [];
  for (const object of readManifestFile(file)) applied.push(await applyManifest(kc, object, opts));
  return applied;
}

/** `HTTP <code>: <Status message>` for an ApiException, else the error's message. */
export function errorText(err: unknown): string {
  if (err instanceof ApiException) {
    let message: unknown;
    try {
      const body: unknown = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
      message = (body as { message?: unknown } | null)?.message;
    } catch {
      message = err.body;
    }
    return `HTTP ${String(err.code)}: ${typeof message === 'string' ? message : String(err.message)}`;
  }
  return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------------------------------
// Credentials

export interface ServiceAccountTokenOptions {
  readonly namespace: string;
  readonly name: string;
  /** Default 3600 (the apiserver's minimum is 600). */
  readonly expirationSeconds?: number;
  /** Default: the apiserver's own audiences. */
  readonly audiences?: readonly string[];
}

/**
 * A bound ServiceAccount token from the TokenRequest API (what the kubelet mounts into a pod), requested
 * with `kc`'s credentials (they need `create` on `serviceaccounts/token`).
 */
export async function serviceAccountToken(kc: KubeConfig, opts: ServiceAccountTokenOptions): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const res = await core.createNamespacedServiceAccountToken({
    namespace: opts.namespace,
    name: opts.name,
    body: {
      spec: {
        expirationSeconds: opts.expirationSeconds ?? 3600,
        audiences: opts.audiences ? [...opts.audiences] : [],
      },
    },
  });
  const token = res.status?.token;
  if (!token) throw new Error(`TokenRequest for ${opts.namespace}/${opts.name} returned no token`);
  return token;
}

export interface WriteKubeconfigOptions {
  /** Where to write (the caller removes it); its folder is created if missing. */
  readonly file: string;
  /** The apiserver, e.g. `https://127.0.0.1:6443`. */
  readonly server: string;
  /** PEM of the CA that signed the apiserver's serving certificate. */
  readonly caCert: string;
  /** The bearer token. */
  readonly token: string;
  /** The user entry's name; default `token-user`. */
  readonly user?: string;
  /** The cluster entry's name; default `cluster`. The context is `<user>@<cluster>`. */
  readonly cluster?: string;
  /** The context's default namespace. */
  readonly namespace?: string;
}

/** Writes a kubeconfig (JSON, which is YAML) for one bearer token and returns its path. Mode 0600. */
export function writeKubeconfig(opts: WriteKubeconfigOptions): string {
  const user = opts.user ?? 'token-user';
  const cluster = opts.cluster ?? 'cluster';
  const context = `${user}@${cluster}`;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: cluster,
        cluster: {
          server: opts.server,
          'certificate-authority-data': Buffer.from(opts.caCert).toString('base64'),
        },
      },
    ],
    users: [{ name: user, user: { token: opts.token } }],
    contexts: [
      { name: context, context: { cluster, user, ...(opts.namespace ? { namespace: opts.namespace } : {}) } },
    ],
    'current-context': context,
    preferences: {},
  };
  fs.mkdirSync(path.dirname(opts.file), { recursive: true });
  fs.writeFileSync(opts.file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return opts.file;
}
