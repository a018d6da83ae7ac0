/**
 * Pod volumes for the node agent, which has no mount namespace per container: `secret`, `configMap` and
 * `emptyDir` volumes become folders of the Pod's temp folder, and a container's env values and args
 * that name a path under one of its `volumeMounts` are rewritten to the folder (the conformance
 * manifests pass their TLS files this way: TLS_SERVER_CERT=/etc/secret-volume/crt). Other volume kinds
 * are an error the agent reports on the container.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { V1Container, V1KeyToPath, V1Pod, V1Volume } from '@kubernetes/client-node';

/** A volume's folder and where a container mounts it. */
export interface MountedPath {
  readonly mountPath: string;
  readonly dir: string;
}

/** Reads `data` of a Secret (base64 values) or ConfigMap (`data` text and `binaryData` base64), or undefined if missing. */
export type VolumeSourceReader = (
  kind: 'Secret' | 'ConfigMap',
  namespace: string,
  name: string,
) => Promise<Readonly<Record<string, Buffer>> | undefined>;

/** The files of a key-to-path projection: every key when `items` is absent. */
export function projectedFiles(
  data: Readonly<Record<string, Buffer>>,
  items: readonly V1KeyToPath[] | undefined,
): Array<[string, Buffer]> | string {
  if (!items || items.length === 0) return Object.entries(data).sort(([a], [b]) => a.localeCompare(b));
  const out: Array<[string, Buffer]> = [];
  for (const item of items) {
    const value = data[item.key];
    if (value === undefined) return `key ${item.key} is missing`;
    if (item.path.split('/').includes('..') || path.isAbsolute(item.path))
      return `path ${item.path} is not allowed`;
    out.push([item.path, value]);
  }
  return out;
}

async function fillVolume(
  volume: V1Volume,
  dir: string,
  namespace: string,
  read: VolumeSourceReader,
): Promise<string | undefined> {
  fs.mkdirSync(dir, { recursive: true });
  if (volume.emptyDir) return undefined;
  const source = volume.secret
    ? {
        kind: 'Secret' as const,
        name: volume.secret.secretName ?? '',
        items: volume.secret.items,
        optional: volume.secret.optional,
      }
    : volume.configMap
      ? {
          kind: 'ConfigMap' as const,
          name: volume.configMap.name ?? '',
          items: volume.configMap.items,
          optional: volume.configMap.optional,
        }
      : undefined;
  if (!source)
    return `volume ${volume.name}: only secret, configMap and emptyDir volumes are supported by the test node agent`;
  const data = await read(source.kind, namespace, source.name);
  if (data === undefined)
    return source.optional
      ? undefined
      : `volume ${volume.name}: ${source.kind} ${namespace}/${source.name} not found`;
  const files = projectedFiles(data, source.items);
  if (typeof files === 'string') return `volume ${volume.name}: ${source.kind} ${source.name}: ${files}`;
  for (const [rel, content] of files) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode: 0o600 });
  }
  return undefined;
}

/**
 * Writes the Pod's volumes under `baseDir` (one folder per volume). Returns the folder of each volume
 * and, per volume that could not be made, why.
 */
export async function materializeVolumes(
  pod: V1Pod,
  baseDir: string,
  read: VolumeSourceReader,
): Promise<{ readonly dirs: ReadonlyMap<string, string>; readonly errors: ReadonlyMap<string, string> }> {
  const dirs = new Map<string, string>();
  const errors = new Map<string, string>();
  const namespace = pod.metadata?.namespace ?? 'default';
  for (const [i, volume] of (pod.spec?.volumes ?? []).entries()) {
    const dir = path.join(baseDir, `${String(i)}-${volume.name.replace(/[^a-z0-9-]/gi, '-')}`);
    const error = await fillVolume(volume, dir, namespace, read).catch(
      (err: unknown) => `volume ${volume.name}: ${String(err)}`,
    );
    if (error !== undefined) errors.set(volume.name, error);
    else dirs.set(volume.name, dir);
  }
  return { dirs, errors };
}

/** The container's mounts as folders, or why one cannot be mounted. */
export function containerMounts(
  container: V1Container,
  dirs: ReadonlyMap<string, string>,
  errors: ReadonlyMap<string, string>,
): readonly MountedPath[] | string {
  const mounts: MountedPath[] = [];
  for (const m of container.volumeMounts ?? []) {
    const error = errors.get(m.name);
    if (error !== undefined) return error;
    const dir = dirs.get(m.name);
    if (dir === undefined) return `volumeMount ${m.name}: no such volume`;
    mounts.push({
      mountPath: m.mountPath.replace(/\/+$/, ''),
      dir: m.subPath ? path.join(dir, m.subPath) : dir,
    });
  }
  // Longest mount path first, so a nested mount wins.
  return mounts.sort((a, b) => b.mountPath.length - a.mountPath.length);
}

/** `text` with a leading mount path (the whole text, or followed by `/`) replaced by its folder. */
export function rewriteMountedPath(text: string, mounts: readonly MountedPath[]): string {
  for (const m of mounts) {
    if (text === m.mountPath) return m.dir;
    if (text.startsWith(`${m.mountPath}/`)) return m.dir + text.slice(m.mountPath.length);
  }
  return text;
}
