/**
 * Regression tests for hostile or careless manifests folders (issue 11): size caps, a bad Secret value,
 * one failing file in a batch, symlinks to outside the folder, and where the source's own errors go.
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../observability/logger.js';
import type { SourceUpdate } from '../source-update.js';
import { ManifestsSource, type ManifestsSourceOptions } from './manifests-source.js';

function service(name: string, port = 80): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: shop }
spec: { ports: [{ name: http, port: ${port} }] }
`;
}

let dir: string;
let outside: string;
let sources: ManifestsSource[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'causeway-hostile-'));
  outside = await mkdtemp(join(tmpdir(), 'causeway-outside-'));
});

afterEach(async () => {
  await Promise.all(sources.map((s) => s.close()));
  sources = [];
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

function newSource(options: Partial<ManifestsSourceOptions> = {}): ManifestsSource {
  const s = new ManifestsSource({ dir, cluster: 'local', rescanIntervalMs: 0, debounceMs: 20, ...options });
  sources.push(s);
  return s;
}

/** Watches and returns a function that waits for an update matching `pred`. */
async function watched(
  source: ManifestsSource,
): Promise<(pred: (u: SourceUpdate) => boolean) => Promise<SourceUpdate>> {
  const updates: SourceUpdate[] = [];
  await source.watch((u) => updates.push(u));
  return async (pred) => {
    const deadline = Date.now() + 4000;
    for (;;) {
      const hit = updates.find(pred);
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error(`no matching update (got ${updates.length})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
}

const port = (u: SourceUpdate, key: string): number | undefined =>
  (u.resources.services.get(key)?.object as { spec?: { ports?: { port: number }[] } } | undefined)?.spec
    ?.ports?.[0]?.port;

describe('ManifestsSource size caps', () => {
  it('refuses a file over the per-file cap with a diagnostic naming it; its last good version stays', async () => {
    await writeFile(join(dir, 'a.yaml'), service('a'));
    await writeFile(join(dir, 'b.yaml'), service('b'));
    const source = newSource({ limits: { maxFileBytes: 1000 } });
    const first = await source.load();
    expect([...first.resources.services.keys()]).toEqual(['shop/a', 'shop/b']);

    await writeFile(join(dir, 'a.yaml'), `${service('a', 81)}# ${'x'.repeat(2000)}\n`);
    const u = await source.load();
    expect(port(u, 'shop/a')).toBe(80); // the last good version
    expect(u.diagnostics.map((d) => [d.code, d.object.file, d.message])).toEqual([
      [
        'CW_E_MANIFEST_TOO_LARGE',
        'a.yaml',
        expect.stringMatching(
          /^a\.yaml: 2\d{3} bytes is over the per-file cap of 1000 bytes \(--manifests-max-file-bytes\); the file is not read \(its last good version stays in force\)$/,
        ),
      ],
    ]);
    await writeFile(join(dir, 'a.yaml'), service('a', 82));
    const fixed = await source.load();
    expect(port(fixed, 'shop/a')).toBe(82);
    expect(fixed.diagnostics).toEqual([]);
  });

  it('refuses the file that would bring the folder over the total cap, in sorted order', async () => {
    const size = Buffer.byteLength(service('a'));
    await writeFile(join(dir, 'a.yaml'), service('a'));
    await writeFile(join(dir, 'b.yaml'), service('b'));
    await writeFile(join(dir, 'c.yaml'), service('c'));
    const source = newSource({ limits: { maxTotalBytes: size * 2 + 1 } });
    const u = await source.load();
    expect([...u.resources.services.keys()]).toEqual(['shop/a', 'shop/b']);
    expect(u.diagnostics.map((d) => [d.code, d.object.file])).toEqual([
      ['CW_E_MANIFEST_TOO_LARGE', 'c.yaml'],
    ]);
    expect(u.diagnostics[0]?.message).toContain('over the total cap');
    expect(u.diagnostics[0]?.message).toContain('none of its objects is applied');

    // Room made by deleting a file lets the refused one in at the next read.
    await rm(join(dir, 'a.yaml'));
    const after = await source.load();
    expect([...after.resources.services.keys()]).toEqual(['shop/b', 'shop/c']);
    expect(after.diagnostics).toEqual([]);
  });
});

describe('ManifestsSource with hostile content', () => {
  it('reports a > 5 MB Secret value that is not base64 as a diagnostic naming file and document, not a crash', async () => {
    const bad = `${Buffer.alloc(5 * 1024 * 1024 + 10, 0x41).toString('base64')}!`;
    await writeFile(
      join(dir, 'tls.yaml'),
      `${service('a')}---\napiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata: { name: big, namespace: shop }\ndata: { tls.crt: "${bad}", tls.key: "a2V5" }\n`,
    );
    const u = await newSource({ limits: { maxFileBytes: 64 * 1024 * 1024 } }).load();
    expect(u.diagnostics.map((d) => [d.code, d.object.file, d.object.documentIndex, d.message])).toEqual([
      [
        'CW_E_MANIFEST_OBJECT',
        'tls.yaml',
        1,
        'tls.yaml document 1: Secret big: data.tls.crt is not valid base64 (use stringData for plain text) (no object of this file is applied)',
      ],
    ]);
  });

  it('applies the other files of a batch when one file fails (a symlink loop)', async () => {
    await writeFile(join(dir, 'b.yaml'), service('b'));
    const errors: unknown[] = [];
    const source = newSource({ onError: (e) => errors.push(e) });
    await source.load();
    const next = await watched(source);
    await symlink('loop.yaml', join(dir, 'loop.yaml'));
    await writeFile(join(dir, 'b.yaml'), service('b', 81));
    const u = await next((x) => port(x, 'shop/b') === 81);
    expect([...u.resources.services.keys()]).toEqual(['shop/b']);
    expect(errors.map((e) => String(e))).toEqual([expect.stringMatching(/^Error: loop\.yaml: .*ELOOP/)]);
  });

  it('never echoes the content or the path of a symlink target outside the folder', async () => {
    await writeFile(join(outside, 'shadow'), 'root:$6$topsecret-hash:19000:0:99999:7:::\n');
    await writeFile(join(outside, 'shadow.json'), '{"password": "topsecret-json"');
    await symlink(join(outside, 'shadow'), join(dir, 'link.yaml'));
    await symlink(join(outside, 'shadow.json'), join(dir, 'link.json'));
    await writeFile(join(outside, 'svc.yaml'), service('shared'));
    await symlink(join(outside, 'svc.yaml'), join(dir, 'shared.yaml'));
    const u = await newSource().load();
    expect([...u.resources.services.keys()]).toEqual(['shop/shared']); // a valid target is still read
    const text = JSON.stringify(u.diagnostics);
    expect(text).not.toContain('topsecret');
    expect(text).not.toContain(outside);
    expect(text).not.toContain('root:');
    expect(u.diagnostics.map((d) => [d.code, d.object.file, d.message])).toEqual([
      [
        'CW_E_MANIFEST_YAML',
        'link.json',
        'link.json: symlink target outside the folder is not a valid manifest (1 problem; details are not shown for files outside the folder) (no object of this file is applied)',
      ],
      [
        'CW_E_MANIFEST_OBJECT',
        'link.yaml',
        'link.yaml: symlink target outside the folder is not a valid manifest (1 problem; details are not shown for files outside the folder) (no object of this file is applied)',
      ],
    ]);
  });
});

describe('ManifestsSource errors of its own', () => {
  it('go to the logger (component manifests) and the watch-error metric, never process.emitWarning', async () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (l: string) => void lines.push(l) } });
    let counted = 0;
    const warnings: unknown[] = [];
    const onWarning = (w: unknown): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      await writeFile(join(dir, 'a.yaml'), service('a'));
      const source = newSource({ logger, metrics: { recordManifestsWatchError: () => counted++ } });
      await source.load();
      let calls = 0;
      await source.watch(() => {
        calls++;
        throw new Error('subscriber failed');
      });
      await writeFile(join(dir, 'a.yaml'), service('a', 81));
      const deadline = Date.now() + 4000;
      while (counted === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(calls).toBe(1);
      expect(counted).toBe(1);
      const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(logged).toEqual([
        expect.objectContaining({
          level: 'error',
          component: 'manifests',
          msg: expect.stringContaining('subscriber failed'),
        }),
      ]);
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
