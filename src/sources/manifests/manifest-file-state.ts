/**
 * The per-file bookkeeping of the manifests folder: what one manifest file currently contributes. Each file
 * is all-or-nothing with a last good version: a file that becomes broken (bad YAML or any invalid document),
 * unreadable or too big keeps its previous objects in force; a file that never parsed contributes none.
 * Reading a file waits out writers in progress: a read during which the file changed is done again, and
 * (while watching) content that does not parse, or a file that suddenly became blank, is held without a
 * word until the file has not been modified for `settleMs` (a writer may be half-way: `>` truncates long
 * before the output comes); good content is taken at once. Content hashes make re-reading unchanged files
 * a no-op, and the size caps are checked before a byte is parsed.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { diagnostic, type Diagnostic } from '../../errors.js';
import { manifestReadDiagnostic } from './folder-diagnostics.js';
import { errnoCode, isGone } from './folder-paths.js';
import type { ManifestEntry, ParsedEntries } from './manifest-entries.js';
import type { ManifestParser } from './manifest-parse-pool.js';

export { toManifestEntry, type ManifestEntry } from './manifest-entries.js';

/** File access, replaceable in tests (e.g. to simulate unreadable files when running as root). */
export interface ManifestsIo {
  readonly readFile: (absolutePath: string) => Promise<Buffer>;
}

export interface FileState {
  /** sha256 of the content last read. */
  readonly hash: string;
  /** Size in bytes of the content last read (counted against the total cap). */
  readonly bytes: number;
  /** Objects of the last version that parsed without problems; undefined when none ever did. */
  readonly good?: readonly ManifestEntry[];
  /** Problems of the content last read (empty when it is the good version). */
  readonly parseDiagnostics: readonly Diagnostic[];
  /** Set while the file cannot be read or is over a size cap; the previous state stays in force. */
  readonly readError?: Diagnostic;
}

/**
 * What reading a file does to its state: drop it (gone), leave it as it is, replace it, or leave it as it
 * is for now and read it again in `retryInMs` (content that may be a writer's unfinished work).
 */
export type FileStateChange =
  | { readonly kind: 'forget' }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'set'; readonly state: FileState }
  | { readonly kind: 'held'; readonly retryInMs: number };

/** The size caps: bytes of one file, and of all files of the folder together. */
export interface ManifestSizeLimits {
  readonly maxFileBytes: number;
  readonly maxTotalBytes: number;
}

export const DEFAULT_MANIFEST_SIZE_LIMITS: ManifestSizeLimits = {
  maxFileBytes: 8 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
};

export interface ManifestReadContext {
  readonly io: ManifestsIo;
  readonly cluster: string;
  readonly parser: ManifestParser;
  readonly limits: ManifestSizeLimits;
  /** The pause between re-reads of a file that changes while it is read. */
  readonly debounceMs: number;
  /** How long a file must stay unmodified before content that does not parse (or blank content) counts. */
  readonly settleMs: number;
  /** Whether unsettled content is held (while watching; a one-off load takes what it reads). */
  readonly holdsUnsettledFiles: () => boolean;
  /** The wall clock (ms since the epoch, as file modification times). */
  readonly now: () => number;
}

/** What the folder scan knows about the file beyond its path. */
export interface ManifestFileFacts {
  /** Bytes of every other file's current content (for the total cap). */
  readonly otherFilesBytes: number;
  /** The file is a symlink whose target is outside the folder: its problems never echo its content. */
  readonly linkOutsideFolder: boolean;
}

interface FileContent {
  readonly bytes: Buffer;
  readonly hash: string;
  /** The file's modification time when read. */
  readonly mtimeMs: number;
}

class TooLarge extends Error {
  constructor(readonly size: number) {
    super('too large');
  }
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

/** Only ASCII whitespace (what a truncated-then-rewritten file holds in between). */
function isBlank(b: Buffer): boolean {
  for (const c of b) if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  return true;
}

async function readCapped(abs: string, ctx: ManifestReadContext): Promise<Buffer> {
  const buf = await ctx.io.readFile(abs);
  if (buf.length > ctx.limits.maxFileBytes) throw new TooLarge(buf.length);
  return buf;
}

/** Reads a file, re-reading while it changes under us (a writer in progress), at most 4 times. */
async function readSettledContent(abs: string, ctx: ManifestReadContext): Promise<FileContent> {
  for (let attempt = 0; ; attempt++) {
    const before = await stat(abs);
    if (before.size > ctx.limits.maxFileBytes) throw new TooLarge(before.size);
    const bytes = await readCapped(abs, ctx);
    const after = await stat(abs);
    const content = { hash: sha256(bytes), bytes, mtimeMs: after.mtimeMs };
    if ((sameStat(before, after) && after.size === bytes.length) || attempt >= 3) return content;
    await sleep(ctx.debounceMs);
  }
}

/**
 * How long to hold content that may be a writer's unfinished work: a file that does not parse, or that
 * suddenly became blank (a writer that truncated it and has not written yet), modified less than
 * `settleMs` ago. 0: take it.
 */
export function unsettledForMs(
  content: Pick<FileContent, 'bytes' | 'mtimeMs'>,
  parsedOk: boolean,
  prev: FileState | undefined,
  ctx: Pick<ManifestReadContext, 'settleMs' | 'holdsUnsettledFiles' | 'now'>,
): number {
  const emptied = isBlank(content.bytes) && prev?.good !== undefined && prev.good.length > 0;
  if ((parsedOk && !emptied) || !ctx.holdsUnsettledFiles()) return 0;
  const age = Math.abs(ctx.now() - content.mtimeMs);
  return age >= ctx.settleMs ? 0 : Math.ceil(ctx.settleMs - age) + 1;
}

function keptMessage(prev: FileState | undefined): string {
  return prev?.good !== undefined ? 'its last good version stays in force' : 'none of its objects is applied';
}

function withReadError(prev: FileState | undefined, readError: Diagnostic): FileStateChange {
  return {
    kind: 'set',
    state: prev ? { ...prev, readError } : { hash: '', bytes: 0, parseDiagnostics: [], readError },
  };
}

function tooLargeDiagnostic(
  cluster: string,
  rel: string,
  what: string,
  prev: FileState | undefined,
): Diagnostic {
  const ref = { kind: 'Manifest', name: rel, cluster, file: rel };
  return diagnostic(
    'CW_E_MANIFEST_TOO_LARGE',
    ref,
    `${rel}: ${what}; the file is not read (${keptMessage(prev)})`,
  );
}

function unreadableFileChange(
  rel: string,
  e: unknown,
  prev: FileState | undefined,
  ctx: ManifestReadContext,
): FileStateChange {
  if (e instanceof TooLarge) {
    const what = `${e.size} bytes is over the per-file cap of ${ctx.limits.maxFileBytes} bytes (--manifests-max-file-bytes)`;
    return withReadError(prev, tooLargeDiagnostic(ctx.cluster, rel, what, prev));
  }
  if (isGone(e)) return { kind: 'forget' };
  if (errnoCode(e) === 'EISDIR') return { kind: 'unchanged' };
  const readError = manifestReadDiagnostic(
    ctx.cluster,
    rel,
    `${rel}: the file cannot be read (${errnoCode(e) ?? String(e)}); ${keptMessage(prev)}`,
  );
  return withReadError(prev, readError);
}

/**
 * The problems of a file reached through a symlink to outside the folder, without any of its content: a
 * link must not turn diagnostics into a way to read files the controller can read.
 */
function linkOutsideDiagnostics(rel: string, parsed: ParsedEntries, cluster: string): Diagnostic[] {
  const [first] = parsed.diagnostics;
  if (first === undefined) return [];
  const ref = { kind: 'Manifest', name: rel, cluster, file: rel };
  const n = parsed.diagnostics.length;
  const message = `${rel}: symlink target outside the folder is not a valid manifest (${n} problem${n === 1 ? '' : 's'}; details are not shown for files outside the folder)`;
  return [diagnostic(first.code, ref, message)];
}

/** The state after parsing new content: its objects when it parses, else the last good ones and its problems. */
export function parsedFileState(
  rel: string,
  content: FileContent,
  parsed: ParsedEntries,
  prev: FileState | undefined,
  facts: Pick<ManifestFileFacts, 'linkOutsideFolder'> & { readonly cluster: string },
): FileState {
  const good = parsed.ok ? parsed.entries : prev?.good;
  const suffix =
    good === undefined ? 'no object of this file is applied' : "the file's last good version stays in force";
  const problems = facts.linkOutsideFolder
    ? linkOutsideDiagnostics(rel, parsed, facts.cluster)
    : parsed.diagnostics;
  const parseDiagnostics = problems.map((d) => ({ ...d, message: `${d.message} (${suffix})` }));
  return { hash: content.hash, bytes: content.bytes.length, good, parseDiagnostics };
}

/** A parse that crashed (not a bad manifest: a bug, or the worker out of memory): a diagnostic on the file. */
function crashedParse(rel: string, e: unknown, cluster: string): ParsedEntries {
  const ref = { kind: 'Manifest', name: rel, cluster, file: rel };
  const why = e instanceof Error ? e.message : String(e);
  const d = diagnostic(
    'CW_E_MANIFEST_YAML',
    ref,
    `${rel}: the file could not be parsed (${why.slice(0, 200)})`,
  );
  return { ok: false, entries: [], diagnostics: [d] };
}

/** Reads the manifest at `rel` (absolute path `abs`) and says how its state changes. */
export async function readManifestFile(
  abs: string,
  rel: string,
  prev: FileState | undefined,
  ctx: ManifestReadContext,
  facts: ManifestFileFacts,
): Promise<FileStateChange> {
  let content: FileContent;
  try {
    content = await readSettledContent(abs, ctx);
  } catch (e) {
    return unreadableFileChange(rel, e, prev, ctx);
  }
  if (prev !== undefined && prev.hash === content.hash) {
    const { readError: _readError, ...readable } = prev;
    return { kind: 'set', state: readable };
  }
  const total = facts.otherFilesBytes + content.bytes.length;
  if (total > ctx.limits.maxTotalBytes) {
    const what = `its ${content.bytes.length} bytes would bring the folder to ${total} bytes, over the total cap of ${ctx.limits.maxTotalBytes} bytes (--manifests-max-total-bytes)`;
    return withReadError(prev, tooLargeDiagnostic(ctx.cluster, rel, what, prev));
  }
  let parsed: ParsedEntries;
  try {
    parsed = await ctx.parser.parse(rel, content.bytes, ctx.cluster);
  } catch (e) {
    parsed = crashedParse(rel, e, ctx.cluster);
  }
  const retryInMs = unsettledForMs(content, parsed.ok, prev, ctx);
  if (retryInMs > 0) return { kind: 'held', retryInMs };
  return {
    kind: 'set',
    state: parsedFileState(rel, content, parsed, prev, { ...facts, cluster: ctx.cluster }),
  };
}
