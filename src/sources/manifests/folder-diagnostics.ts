/**
 * Diagnostics about the manifests folder itself (a folder or file that cannot be read) and the order all
 * of the folder's diagnostics are reported in.
 */
import { compareDiagnostics, diagnostic, type Diagnostic, type ObjectRef } from '../../errors.js';
import { compareStrings } from './folder-paths.js';

/** `CW_E_MANIFEST_READ` about a folder-relative path (`''` is the folder itself, shown as `.`). */
export function manifestReadDiagnostic(cluster: string, rel: string, message: string): Diagnostic {
  const ref: ObjectRef = { kind: 'Manifest', name: rel || '.', cluster, file: rel || '.' };
  return diagnostic('CW_E_MANIFEST_READ', ref, message);
}

/** Sort order of the folder's diagnostics: by file, document, then the catalog order. */
export function compareFolderDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    compareStrings(a.object.file ?? '', b.object.file ?? '') ||
    (a.object.documentIndex ?? -1) - (b.object.documentIndex ?? -1) ||
    compareDiagnostics(a, b)
  );
}
