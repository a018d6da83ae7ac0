/**
 * Where manifest files are parsed: inline (on the calling thread), or in one worker thread so that
 * parsing a big file never blocks the event loop (the controller's `/healthz`, xDS). The worker is started
 * on first use, held (ref'd) only while a parse is in flight, and started again after a crash (out of
 * memory, a stack overflow): the file being parsed then fails with an error, the others go on.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parseManifestEntries, type ParsedEntries } from './manifest-entries.js';

export interface ManifestParser {
  /** Parses one file's content; rejects when the parse itself failed (a crash, not a bad manifest). */
  parse(rel: string, bytes: Uint8Array, cluster: string): Promise<ParsedEntries>;
  close(): Promise<void>;
}

/** Parses on the calling thread (offline `translate`, unit tests). */
export function inlineManifestParser(): ManifestParser {
  return {
    parse: (rel, bytes, cluster) => {
      try {
        return Promise.resolve(parseManifestEntries(rel, bytes, cluster));
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    },
    close: () => Promise.resolve(),
  };
}

interface Pending {
  readonly resolve: (r: ParsedEntries) => void;
  readonly reject: (e: Error) => void;
}

interface WorkerReply {
  readonly id: number;
  readonly result?: ParsedEntries;
  readonly error?: string;
}

/** One worker thread running manifest-parse-worker.js. */
export class WorkerManifestParser implements ManifestParser {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly workerFile: string) {}

  parse(rel: string, bytes: Uint8Array, cluster: string): Promise<ParsedEntries> {
    if (this.closed) return Promise.reject(new Error('the manifest parser is closed'));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<ParsedEntries>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, rel, bytes, cluster });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = undefined;
    if (w !== undefined) await w.terminate();
    this.failAll(new Error('the manifest parser is closed'));
  }

  private ensureWorker(): Worker {
    if (this.worker !== undefined) return this.worker;
    const w = new Worker(this.workerFile);
    w.unref();
    w.on('message', (reply: WorkerReply) => this.settle(reply));
    w.on('error', (e) => this.crashed(w, e));
    w.on('exit', (code) => this.crashed(w, new Error(`the parse worker exited (code ${code})`)));
    this.worker = w;
    return w;
  }

  private settle(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (p === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.result !== undefined) p.resolve(reply.result);
    else p.reject(new Error(reply.error ?? 'the parse failed'));
  }

  private crashed(w: Worker, e: Error): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    this.failAll(e);
  }

  private failAll(e: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(e);
  }
}

/** The compiled worker next to this module; absent when running from TypeScript sources (Jest). */
export function parseWorkerFile(): string | undefined {
  const file = fileURLToPath(new URL('./manifest-parse-worker.js', import.meta.url));
  return existsSync(file) ? file : undefined;
}

/** A worker parser when the compiled worker exists, else inline. */
export function defaultManifestParser(inWorker: boolean): ManifestParser {
  const file = inWorker ? parseWorkerFile() : undefined;
  return file !== undefined ? new WorkerManifestParser(file) : inlineManifestParser();
}
