/**
 * The worker parser's lifecycle with stand-in workers (the real worker is compiled JS, exercised by
 * test/e2e/manifests-hostile.test.ts), and what a crashed parse does to a file's state.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MANIFEST_SIZE_LIMITS, readManifestFile } from './manifest-file-state.js';
import { WorkerManifestParser, type ManifestParser } from './manifest-parse-pool.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'causeway-parse-pool-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function workerFile(body: string): Promise<string> {
  const file = join(dir, 'worker.mjs');
  await writeFile(file, `import { parentPort } from 'node:worker_threads';\n${body}\n`);
  return file;
}

describe('WorkerManifestParser', () => {
  it('returns what the worker replies', async () => {
    const file = await workerFile(
      "parentPort.on('message', (m) => parentPort.postMessage({ id: m.id, result: { ok: true, entries: [], diagnostics: [{ rel: m.rel, n: m.bytes.length }] } }));",
    );
    const parser = new WorkerManifestParser(file);
    try {
      const r = await parser.parse('a.yaml', Buffer.from('abc'), 'local');
      expect(r).toEqual({ ok: true, entries: [], diagnostics: [{ rel: 'a.yaml', n: 3 }] });
    } finally {
      await parser.close();
    }
  });

  it('fails the parse in flight when the worker dies, and starts a new worker for the next one', async () => {
    const file = await workerFile(
      "parentPort.on('message', (m) => { if (m.rel === 'crash.yaml') process.exit(3); parentPort.postMessage({ id: m.id, result: { ok: true, entries: [], diagnostics: [] } }); });",
    );
    const parser = new WorkerManifestParser(file);
    try {
      await expect(parser.parse('crash.yaml', Buffer.from('x'), 'local')).rejects.toThrow(
        'the parse worker exited (code 3)',
      );
      await expect(parser.parse('fine.yaml', Buffer.from('x'), 'local')).resolves.toMatchObject({ ok: true });
    } finally {
      await parser.close();
    }
  });
});

describe('readManifestFile with a parser that crashes', () => {
  it('gives a diagnostic on the file and keeps its last good version', async () => {
    await writeFile(join(dir, 'a.yaml'), 'kind: Anything\n');
    const crashing: ManifestParser = {
      parse: () => Promise.reject(new Error('ERR_WORKER_OUT_OF_MEMORY')),
      close: () => Promise.resolve(),
    };
    const ctx = {
      io: { readFile: (p: string) => import('node:fs/promises').then((fs) => fs.readFile(p)) },
      cluster: 'local',
      parser: crashing,
      limits: DEFAULT_MANIFEST_SIZE_LIMITS,
      debounceMs: 5,
      settleMs: 1000,
      holdsUnsettledFiles: () => false,
      now: () => Date.now(),
    };
    const prev = { hash: 'old', bytes: 10, good: [], parseDiagnostics: [] };
    const change = await readManifestFile(join(dir, 'a.yaml'), 'a.yaml', prev, ctx, {
      otherFilesBytes: 0,
      linkOutsideFolder: false,
    });
    expect(change).toMatchObject({
      kind: 'set',
      state: {
        good: [],
        parseDiagnostics: [
          {
            code: 'CW_E_MANIFEST_YAML',
            object: { file: 'a.yaml' },
            message:
              "a.yaml: the file could not be parsed (ERR_WORKER_OUT_OF_MEMORY) (the file's last good version stays in force)",
          },
        ],
      },
    });
  });
});
