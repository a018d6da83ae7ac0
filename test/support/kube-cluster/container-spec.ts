/**
 * How the node agent (node-agent.ts) turns a Pod's container into a local process: the image names a
 * local binary (there is no container runtime here), `command` / `args` / `env` as the kubelet resolves
 * them (downward-API `fieldRef`s, `$(VAR)` references). Pure functions: every unsupported field is a
 * clear error that the agent writes into the Pod's status (the container waits with that reason).
 */
import type { V1Container, V1EnvVar, V1Pod } from '@kubernetes/client-node';
import { rewriteMountedPath, type MountedPath } from './volumes.js';

/** Maps an image reference to the local binary that stands for it, or undefined when unknown. */
export type ImageResolver = (image: string) => string | undefined;

/** The conformance manifests' echo server image, any tag (`registry.k8s.io/gateway-api/echo-basic:v1.5.1`). */
export const ECHO_BASIC_IMAGE =
  /^registry\.k8s\.io\/gateway-api\/echo-basic(?::[\w.-]+)?(?:@sha256:[0-9a-f]+)?$/;

/** A resolver for the echo-basic image family (to the built `echo-basic`) plus exact `extra` images. */
export function imageResolver(
  echoBasic: string | undefined,
  extra: Readonly<Record<string, string>> = {},
): ImageResolver {
  return (image) =>
    extra[image] ?? (echoBasic !== undefined && ECHO_BASIC_IMAGE.test(image) ? echoBasic : undefined);
}

/** What runs: the binary, its arguments and its whole environment (nothing is inherited). */
export interface ContainerProcessSpec {
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** Why a container cannot run, as the kubelet would name it in `state.waiting`. */
export interface ContainerSpecError {
  readonly reason: 'ErrImagePull' | 'CreateContainerConfigError' | 'ContainerCreating';
  readonly message: string;
}

export type ContainerSpecResult =
  | { readonly ok: true; readonly spec: ContainerProcessSpec }
  | { readonly ok: false; readonly error: ContainerSpecError };

/** Where the Pod runs: the values `status.podIP` / `status.hostIP` refer to. */
export interface PodPlacement {
  readonly podIP: string;
  readonly hostIP: string;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The value of a downward-API `fieldPath`, or undefined when the agent does not support it. */
export function fieldRefValue(pod: V1Pod, fieldPath: string, where: PodPlacement): string | undefined {
  const meta = pod.metadata ?? {};
  const keyed = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(fieldPath);
  if (keyed) return (keyed[1] === 'labels' ? meta.labels : meta.annotations)?.[keyed[2]!] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? 'default';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
      return where.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return where.hostIP;
    default:
      return undefined;
  }
}

/** Kubernetes' `$(VAR)` expansion: known variables are replaced, `$$` escapes, unknown ones stay. */
export function expandVars(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (name === undefined) return '$';
    return Object.hasOwn(vars, name) ? vars[name]! : match;
  });
}

function envValue(
  pod: V1Pod,
  e: V1EnvVar,
  env: Readonly<Record<string, string>>,
  where: PodPlacement,
): string | ContainerSpecError {
  if (e.valueFrom === undefined) return expandVars(e.value ?? '', env);
  const fieldPath = e.valueFrom.fieldRef?.fieldPath;
  const value = fieldPath !== undefined ? fieldRefValue(pod, fieldPath, where) : undefined;
  if (value !== undefined) return value;
  const what = fieldPath !== undefined ? `fieldRef ${fieldPath}` : Object.keys(e.valueFrom).join(', ');
  return {
    reason: 'CreateContainerConfigError',
    message: `env ${e.name}: valueFrom ${what} is not supported by the test node agent`,
  };
}

/**
 * The process for `container` of `pod`, or why it cannot run. Env values and args naming a path under
 * one of `mounts` point into the volume's folder instead (volumes.ts).
 */
export function containerProcessSpec(
  pod: V1Pod,
  container: V1Container,
  images: ImageResolver,
  where: PodPlacement,
  mounts: readonly MountedPath[] = [],
): ContainerSpecResult {
  const image = container.image ?? '';
  const binary = images(image);
  if (binary === undefined) {
    const message = `the test node agent has no local binary for image "${image}" (it runs the Gateway API echo-basic image and the images given to it)`;
    return { ok: false, error: { reason: 'ErrImagePull', message } };
  }
  if ((container.envFrom ?? []).length > 0) {
    return {
      ok: false,
      error: {
        reason: 'CreateContainerConfigError',
        message: 'envFrom is not supported by the test node agent',
      },
    };
  }
  const env: Record<string, string> = { PATH: DEFAULT_PATH, HOSTNAME: pod.metadata?.name ?? '' };
  for (const e of container.env ?? []) {
    const value = envValue(pod, e, env, where);
    if (typeof value !== 'string') return { ok: false, error: value };
    env[e.name] = e.valueFrom === undefined ? rewriteMountedPath(value, mounts) : value;
  }
  const command = container.command ?? [];
  const entry = command[0];
  // The image's entrypoint is the binary; a command may only name that binary (by path or name).
  if (entry !== undefined && entry.split('/').pop() !== binary.split('/').pop()) {
    const message = `command "${entry}" is not the image's binary (${binary.split('/').pop() ?? ''}); the test node agent runs only that`;
    return { ok: false, error: { reason: 'CreateContainerConfigError', message } };
  }
  const args = [...command.slice(1), ...(container.args ?? [])].map((a) =>
    rewriteMountedPath(expandVars(a, env), mounts),
  );
  return { ok: true, spec: { name: container.name, binary, args, env } };
}
