/**
 * The manifest parse worker (a `worker_threads` entry point): parses files sent by manifest-parse-pool.ts
 * off the main thread, so that a big or hostile file never blocks the admin server or the xDS server.
 * Messages in: `{ id, rel, bytes, cluster }`; out: `{ id, result }` or `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { parseManifestEntries } from './manifest-entries.js';

interface ParseRequest {
  readonly id: number;
  readonly rel: string;
  readonly bytes: Uint8Array;
  readonly cluster: string;
}

parentPort?.on('message', (req: ParseRequest) => {
  try {
    parentPort?.postMessage({ id: req.id, result: parseManifestEntries(req.rel, req.bytes, req.cluster) });
  } catch (e) {
    parentPort?.postMessage({
      id: req.id,
      error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
    });
  }
});
