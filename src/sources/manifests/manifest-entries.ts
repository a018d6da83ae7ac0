/**
 * Parsing one manifest file's bytes into the entries the folder merge uses (pure). Runs on the main
 * thread (offline `translate`, unit tests) or in the parse worker (manifest-parse-worker.ts).
 */
import type { Diagnostic } from '../../errors.js';
import type { KubeKind, KubeObject } from '../../resources/kube-types.js';
import { objectKey, type Sourced } from '../../resources/resource-set.js';
import { parseManifestFile } from './manifest-parser.js';

/** One object of a file, keyed for the folder-wide merge and change detection. */
export interface ManifestEntry {
  /** `kind|key`: two entries with the same id are the same object. */
  readonly id: string;
  readonly kind: KubeKind;
  readonly key: string;
  readonly fingerprint: string;
  readonly sourced: Sourced<KubeObject>;
}

/** A parsed file: its entries and problems (`ok` when it has none). Plain data: it crosses threads. */
export interface ParsedEntries {
  readonly ok: boolean;
  readonly entries: readonly ManifestEntry[];
  readonly diagnostics: readonly Diagnostic[];
}

export function toManifestEntry(sourced: Sourced<KubeObject>): ManifestEntry {
  const o = sourced.object;
  const key = objectKey(o);
  return { id: `${o.kind}|${key}`, kind: o.kind, key, fingerprint: JSON.stringify(sourced), sourced };
}

/** Decodes (UTF-8) and parses a file's content. */
export function parseManifestEntries(rel: string, bytes: Uint8Array, cluster: string): ParsedEntries {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const parsed = parseManifestFile(rel, text, cluster);
  return { ok: parsed.ok, entries: parsed.objects.map(toManifestEntry), diagnostics: parsed.diagnostics };
}
