/**
 * Picks the controller's source from its options (the command line flags) and the config file:
 * - `--manifests DIR`: standalone mode, the folder is the world;
 * - `clusters:` in the config file: one Kubernetes source per cluster, merged;
 * - otherwise one Kubernetes cluster from `--kubeconfig FILE [--context NAME]`, or the default
 *   kubeconfig lookup ($KUBECONFIG, ~/.kube/config, in-cluster service account).
 * In every mode, the config file's `vms:` backends are added to the source's updates (StaticVmsSource).
 */
import type { Logger } from 'pino';
import type { ControllerConfig } from '../config/controller-config.js';
import { CausewayError } from '../errors.js';
import type { ControllerMetrics } from '../observability/metrics.js';
import { ManifestsSource, type ManifestSizeLimits } from '../sources/manifests/manifests-source.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubernetesSource, loadKubeConfig } from '../kubernetes/watch/index.js';
import { MultiClusterSource } from '../sources/multi-cluster-source.js';
import type { ResourceSource } from '../sources/source-update.js';
import { StaticVmsSource } from '../sources/static-vms-source.js';

/** The manifests folder's size caps (flags; default: the config file's `manifests:`, then 8 MiB / 256 MiB). */
export interface ManifestsLimitFlags {
  readonly manifestsMaxFileBytes?: number;
  readonly manifestsMaxTotalBytes?: number;
}

export interface SourceFlags extends ManifestsLimitFlags {
  readonly manifests?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly clusterName?: string;
  /** The config file's path, named in diagnostics about its `vms:`. */
  readonly config?: string;
}

export interface ControllerSource {
  readonly source: ResourceSource;
  readonly mode: string;
  /** Kubernetes mode: each source cluster's client config, in config order (empty in standalone mode). */
  readonly kubeConfigs: ReadonlyMap<string, KubeConfig>;
}

function kubeSource(cluster: string, kubeConfig: KubeConfig, logger: Logger): KubernetesSource {
  return new KubernetesSource({ cluster, kubeConfig, logger: logger.child({ component: 'kube', cluster }) });
}

export function sourceFrom(
  flags: SourceFlags,
  config: ControllerConfig | undefined,
  logger: Logger,
  metrics: ControllerMetrics,
): ControllerSource {
  const s = baseSourceFrom(flags, config, logger, metrics);
  const vms = config?.vms ?? [];
  if (vms.length === 0) return s;
  return {
    ...s,
    source: new StaticVmsSource({
      source: s.source,
      vms,
      ...(flags.config !== undefined ? { configFile: flags.config } : {}),
    }),
    mode: `${s.mode} + ${vms.length} VM backend entr${vms.length === 1 ? 'y' : 'ies'}`,
  };
}

function manifestsLimits(
  flags: ManifestsLimitFlags,
  config: ControllerConfig | undefined,
): Partial<ManifestSizeLimits> {
  const maxFileBytes = flags.manifestsMaxFileBytes ?? config?.manifests?.maxFileBytes;
  const maxTotalBytes = flags.manifestsMaxTotalBytes ?? config?.manifests?.maxTotalBytes;
  return {
    ...(maxFileBytes !== undefined ? { maxFileBytes } : {}),
    ...(maxTotalBytes !== undefined ? { maxTotalBytes } : {}),
  };
}

function baseSourceFrom(
  flags: SourceFlags,
  config: ControllerConfig | undefined,
  logger: Logger,
  metrics: ControllerMetrics,
): ControllerSource {
  const kubeFlags =
    flags.kubeconfig !== undefined || flags.context !== undefined || flags.clusterName !== undefined;
  const clusters = config?.clusters ?? [];
  if (flags.manifests !== undefined) {
    if (kubeFlags || clusters.length > 0) {
      throw new CausewayError(
        'CW_E_USAGE',
        '--manifests (standalone mode) cannot be combined with --kubeconfig, --context, --cluster-name or config clusters',
      );
    }
    return {
      source: new ManifestsSource({
        dir: flags.manifests,
        logger,
        metrics,
        limits: manifestsLimits(flags, config),
        parseInWorker: true,
      }),
      mode: `manifests ${flags.manifests}`,
      kubeConfigs: new Map(),
    };
  }
  if (clusters.length > 0) {
    if (kubeFlags) {
      throw new CausewayError(
        'CW_E_USAGE',
        'the config file lists clusters: give each its kubeconfig and context there, not with --kubeconfig/--context/--cluster-name',
      );
    }
    const kubeConfigs = new Map(clusters.map((c) => [c.name, loadKubeConfig(c.kubeconfig, c.context)]));
    const sources = clusters.map((c) => ({
      cluster: c.name,
      source: kubeSource(c.name, kubeConfigs.get(c.name)!, logger),
    }));
    return {
      source: new MultiClusterSource({ clusters: sources, logger, metrics }),
      mode: `clusters ${clusters.map((c) => c.name).join(', ')}`,
      kubeConfigs,
    };
  }
  const kubeConfig = loadKubeConfig(flags.kubeconfig, flags.context);
  const cluster = flags.clusterName ?? kubeConfig.getCurrentContext();
  return {
    source: kubeSource(cluster, kubeConfig, logger),
    mode: `kubernetes ${flags.kubeconfig ?? 'default kubeconfig'} (cluster ${cluster})`,
    kubeConfigs: new Map([[cluster, kubeConfig]]),
  };
}
