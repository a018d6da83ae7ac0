/**
 * The per-file bookkeeping of the manifests folder: what one manifest file currently contributes. Each file
 * is all-or-nothing with a last good version: a file that becomes broken (bad YAML or any invalid document)
 * or unreadable keeps its previous objects in force; a file that never parsed contributes none. Reading a
 * file waits out writers in progress, and content hashes make re-reading unchanged files a no-op.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { Diagnostic } from '../../errors.js';
import type { KubeKind, KubeObject } from '../../resources/kube-types.js';
import { objectKey, type Sourced } from '../../resources/resource-set.js';
import { manifestReadDiagnostic } from './folder-diagnostics.js';
import { errnoCode, isGone } from './folder-paths.js';
import { parseManifestFile } from './manifest-parser.js';

/** File access, replaceable in tests (e.g. to simulate unreadable files when running as root). */
export interface ManifestsIo {
  readonly readFile: (absolutePath: string) => Promise<Buffer>;
}

/** One object of a file, keyed for the folder-wide merge and change detection. */
export interface ManifestEntry {
  /** `kind|key`: two entries with the same id are the same object. */
  readonly id: string;
  readonly kind: KubeKind;
  readonly key: string;
  readonly fingerprint: string;
  readonly sourced: Sourced<KubeObject>;
}

export interface FileState {
  /** sha256 of the content last read. */
  readonly hash: string;
  /** Objects of the last version that parsed without problems; undefined when none ever did. */
  readonly good?: readonly ManifestEntry[];
  /** Problems of the content last read (empty when it is the good version). */
  readonly parseDiagnostics: readonly Diagnostic[];
  /** Set while the file cannot be read; the previous state stays in force. */
  readonly readError?: Diagnostic;
}

/** What reading a file does to its state: drop it (gone), leave it as it is, or replace it. */
export type FileStateChange =
  | { readonly kind: 'forget' }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'set'; readonly state: FileState };

export interface ManifestReadContext {
  readonly io: ManifestsIo;
  readonly cluster: string;
  /** The pause between re-reads of a file that changes while it is read. */
  readonly debounceMs: number;
  /** Whether a file that suddenly became empty is read again after a pause (asked once it read empty). */
  readonly rereadsEmptiedFiles: () => boolean;
}

interface FileContent {
  readonly text: string;
  readonly hash: string;
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function sameStat(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

export function toManifestEntry(sourced: Sourced<KubeObject>): ManifestEntry {
  const o = sourced.object;
  const key = objectKey(o);
  return { id: `${o.kind}|${key}`, kind: o.kind, key, fingerprint: JSON.stringify(sourced), sourced };
}

/** Reads a file, re-reading while it changes under us (a writer in progress), at most 4 times. */
async function readSettledContent(abs: string, ctx: ManifestReadContext): Promise<FileContent> {
  for (let attempt = 0; ; attempt++) {
    const before = await stat(abs);
    const buf = await ctx.io.readFile(abs);
    const after = await stat(abs);
    const content = { hash: sha256(buf), text: buf.toString('utf8') };
    if ((sameStat(before, after) && after.size === buf.length) || attempt >= 3) return content;
    await sleep(ctx.debounceMs);
  }
}

async function readContent(
  abs: string,
  prev: FileState | undefined,
  ctx: ManifestReadContext,
): Promise<FileContent> {
  const content = await readSettledContent(abs, ctx);
  // A file that suddenly became empty is often a writer that truncated it and has not written yet.
  if (
    content.text.trim() === '' &&
    prev?.good !== undefined &&
    prev.good.length > 0 &&
    ctx.rereadsEmptiedFiles()
  ) {
    await sleep(ctx.debounceMs * 2);
    const buf = await ctx.io.readFile(abs);
    return { hash: sha256(buf), text: buf.toString('utf8') };
  }
  return content;
}

function unreadableFileChange(
  rel: string,
  e: unknown,
  prev: FileState | undefined,
  cluster: string,
): FileStateChange {
  if (isGone(e)) return { kind: 'forget' };
  if (errnoCode(e) === 'EISDIR') return { kind: 'unchanged' };
  const readError = manifestReadDiagnostic(
    cluster,
    rel,
    `${rel}: the file cannot be read (${errnoCode(e) ?? String(e)}); ${prev?.good !== undefined ? 'its last good version stays in force' : 'none of its objects is applied'}`,
  );
  return {
    kind: 'set',
    state: prev ? { ...prev, readError } : { hash: '', parseDiagnostics: [], readError },
  };
}

/** The state after reading new content: its objects when it parses, else the last good ones and its problems. */
export function parsedFileState(
  rel: string,
  content: FileContent,
  prev: FileState | undefined,
  cluster: string,
): FileState {
  const parsed = parseManifestFile(rel, content.text, cluster);
  const good = parsed.ok ? parsed.objects.map(toManifestEntry) : prev?.good;
  const suffix =
    good === undefined ? 'no object of this file is applied' : "the file's last good version stays in force";
  const parseDiagnostics = parsed.ok
    ? []
    : parsed.diagnostics.map((d) => ({ ...d, message: `${d.message} (${suffix})` }));
  return { hash: content.hash, good, parseDiagnostics };
}

/** Reads the manifest at `rel` (absolute path `abs`) and says how its state changes. */
export async function readManifestFile(
  abs: string,
  rel: string,
  prev: FileState | undefined,
  ctx: ManifestReadContext,
): Promise<FileStateChange> {
  let content: FileContent;
  try {
    content = await readContent(abs, prev, ctx);
  } catch (e) {
    return unreadableFileChange(rel, e, prev, ctx.cluster);
  }
  if (prev !== undefined && prev.hash === content.hash) {
    const { readError: _readError, ...readable } = prev;
    return { kind: 'set', state: readable };
  }
  return { kind: 'set', state: parsedFileState(rel, content, prev, ctx.cluster) };
}
