/**
 * Composes the manifests folder's current objects and diagnostics from the per-file states: the same
 * object in two files is taken from the first file in sorted path order (then document order), the other
 * definitions are reported as duplicates.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../../errors.js';
import { compareFolderDiagnostics } from './folder-diagnostics.js';
import { compareStrings } from './folder-paths.js';
import type { FileState, ManifestEntry } from './manifest-file-state.js';

export interface FolderProblems {
  /** The folder itself is gone or no longer a folder. */
  readonly rootProblem: Diagnostic | undefined;
  /** Sub-folders that cannot be read, in the order they were first scanned. */
  readonly folderReadErrors: readonly Diagnostic[];
}

export interface FolderComposition {
  /** The applied entries by id. */
  readonly winners: ReadonlyMap<string, ManifestEntry>;
  /** Sorted by file, document, then catalog order. */
  readonly diagnostics: readonly Diagnostic[];
}

function duplicateDiagnostic(
  rel: string,
  entry: ManifestEntry,
  first: ManifestEntry,
  cluster: string,
): Diagnostic {
  const o = entry.sourced.object;
  const ref: ObjectRef = {
    kind: o.kind,
    ...(o.metadata.namespace !== undefined ? { namespace: o.metadata.namespace } : {}),
    name: o.metadata.name,
    cluster,
    file: rel,
    ...(entry.sourced.origin.documentIndex !== undefined
      ? { documentIndex: entry.sourced.origin.documentIndex }
      : {}),
  };
  const at = `${first.sourced.origin.file ?? ''} document ${first.sourced.origin.documentIndex ?? 0}`;
  return diagnostic(
    'CW_E_MANIFEST_DUPLICATE',
    ref,
    `${rel} document ${entry.sourced.origin.documentIndex ?? 0}: ${o.kind} ${entry.key} is already defined in ${at}; this definition is ignored`,
  );
}

export function composeFolder(
  problems: FolderProblems,
  files: ReadonlyMap<string, FileState>,
  cluster: string,
): FolderComposition {
  const winners = new Map<string, ManifestEntry>();
  const diagnostics: Diagnostic[] = [];
  if (problems.rootProblem) diagnostics.push(problems.rootProblem);
  diagnostics.push(...problems.folderReadErrors);
  for (const rel of [...files.keys()].sort(compareStrings)) {
    const f = files.get(rel)!;
    diagnostics.push(...f.parseDiagnostics);
    if (f.readError) diagnostics.push(f.readError);
    for (const e of f.good ?? []) {
      const first = winners.get(e.id);
      if (first === undefined) winners.set(e.id, e);
      else diagnostics.push(duplicateDiagnostic(rel, e, first, cluster));
    }
  }
  diagnostics.sort(compareFolderDiagnostics);
  return { winners, diagnostics };
}
