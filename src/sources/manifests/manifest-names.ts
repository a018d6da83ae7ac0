/**
 * File-name rules of the manifests folder: which entries are ignored (hidden, editor temp and backup
 * files) and which files are manifests (`*.yaml`, `*.yml`, `*.json`).
 */

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** Hidden entries, editor temp/backup files (vim, emacs, JetBrains, generic `.tmp`/`~`). */
export function isIgnoredName(name: string): boolean {
  return (
    name.startsWith('.') ||
    name.endsWith('~') ||
    /^#.*#$/.test(name) ||
    /\.(swp|swo|swx|tmp|bak|orig)$/i.test(name) ||
    name.includes('___jb_')
  );
}

export function isManifestFileName(name: string): boolean {
  return !isIgnoredName(name) && MANIFEST_FILE.test(name);
}
