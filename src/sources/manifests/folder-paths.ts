/**
 * Paths relative to the manifests folder (posix separators, `''` is the folder itself) and the fs error
 * codes the folder scan tells apart.
 */
import { join, posix } from 'node:path';

/** The absolute path of a folder-relative path. */
export function absolutePath(root: string, rel: string): string {
  return rel === '' ? root : join(root, ...rel.split('/'));
}

/** Whether `path` is `dir` or inside it (everything is under the root, `''`). */
export function isUnder(path: string, dir: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}

/** The folder holding `rel` (the root holds itself). */
export function parentFolder(rel: string): string {
  return rel === '' ? '' : posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
}

/** Plain code-unit order, the order files are read and objects win duplicates in. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string'
    ? e.code
    : undefined;
}

/** The path (or one of its parents) no longer exists. */
export function isGone(e: unknown): boolean {
  const code = errnoCode(e);
  return code === 'ENOENT' || code === 'ENOTDIR';
}
