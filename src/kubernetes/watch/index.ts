/**
 * The Kubernetes source's public face: `createKubernetesSource` builds a `KubernetesSource` from a kubeconfig
 * file (or the default: $KUBECONFIG, ~/.kube/config, else the in-cluster service account) and an optional
 * context, for `causeway controller --kubeconfig FILE [--context NAME]`.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { CausewayError } from '../../errors.js';
import type { BackoffOptions } from '../../util/backoff.js';
import { KubernetesSource } from './kube-source.js';

export { KubernetesSource, DEFAULT_INITIAL_LIST_TIMEOUT_MS } from './kube-source.js';
export type { KubernetesSourceOptions } from './kube-source.js';
export type { BackoffOptions } from '../../util/backoff.js';

export interface CreateKubernetesSourceOptions {
  /** Path of a kubeconfig file; default: client-node's default loading ($KUBECONFIG, ~/.kube/config, in-cluster). */
  readonly kubeconfig?: string;
  /** A context of the kubeconfig; default: its current context. */
  readonly context?: string;
  /** The cluster name on origins, diagnostics and logs; default: the context's name. */
  readonly cluster?: string;
  readonly logger?: Logger;
  /** How long the first `load()` waits for every kind to be listed (default 60 s). */
  readonly initialListTimeoutMs?: number;
  readonly backoff?: BackoffOptions;
  /** Relist every kind this often as a safety net (default 0: never). */
  readonly relistIntervalMs?: number;
}

/** Reads the kubeconfig and selects the context; throws CW_E_USAGE when either is unusable. */
export function loadKubeConfig(kubeconfig?: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  const what = kubeconfig === undefined ? 'the default kubeconfig' : `kubeconfig ${kubeconfig}`;
  try {
    if (kubeconfig === undefined) kc.loadFromDefault();
    else kc.loadFromFile(kubeconfig);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new CausewayError('CW_E_USAGE', `${what} cannot be read: ${reason}`);
  }
  if (context !== undefined) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(context)) {
      throw new CausewayError(
        'CW_E_USAGE',
        `${what} has no context ${JSON.stringify(context)}${names.length > 0 ? ` (it has: ${names.join(', ')})` : ''}`,
      );
    }
    kc.setCurrentContext(context);
  }
  const cluster = kc.getCurrentCluster();
  if (cluster === null || !cluster.server) {
    throw new CausewayError(
      'CW_E_USAGE',
      `${what}: the context ${JSON.stringify(kc.getCurrentContext())} names no cluster with a server address`,
    );
  }
  if (kubeconfig === undefined && cluster.name === 'cluster' && cluster.server === 'http://localhost:8080') {
    // client-node's last resort when it finds nothing.
    throw new CausewayError(
      'CW_E_USAGE',
      'no kubeconfig found ($KUBECONFIG, ~/.kube/config) and not running in a pod; pass --kubeconfig FILE, or --manifests DIR for standalone mode',
    );
  }
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    throw new CausewayError(
      'CW_E_USAGE',
      `${what}: cluster ${cluster.name} has a plain http server address; client-node requires https (or insecure-skip-tls-verify)`,
    );
  }
  return kc;
}

export function createKubernetesSource(options: CreateKubernetesSourceOptions = {}): KubernetesSource {
  const kubeConfig = loadKubeConfig(options.kubeconfig, options.context);
  return new KubernetesSource({
    cluster: options.cluster ?? kubeConfig.getCurrentContext(),
    kubeConfig,
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    ...(options.initialListTimeoutMs !== undefined
      ? { initialListTimeoutMs: options.initialListTimeoutMs }
      : {}),
    ...(options.backoff !== undefined ? { backoff: options.backoff } : {}),
    ...(options.relistIntervalMs !== undefined ? { relistIntervalMs: options.relistIntervalMs } : {}),
  });
}
