import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CausewayError } from '../../errors.js';
import type { Service } from '../../resources/kube-types.js';
import type { ResourceChange, SourceUpdate } from '../source-update.js';
import { ManifestsSource, type ManifestsSourceOptions } from './manifests-source.js';

// ---------------------------------------------------------------------------------------------------
// Fixtures

function service(name: string, port = 80, namespace = 'shop'): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${namespace} }
spec: { ports: [{ name: http, port: ${port} }] }
`;
}

function ingress(name: string, svc = 'web'): string {
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${name}, namespace: shop }
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: ${svc}, port: { name: http } } } }
`;
}

function slice(name: string, ...addresses: string[]): string {
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}, namespace: shop, labels: { kubernetes.io/service-name: web } }
addressType: IPv4
endpoints: [${addresses.map((a) => `{ addresses: [${a}] }`).join(', ')}]
ports: [{ name: http, port: 8080 }]
`;
}

const docs = (...d: string[]) => d.join('---\n');

// ---------------------------------------------------------------------------------------------------
// Harness: a temp folder, a source, and a recorder of updates.

class Recorder {
  readonly updates: SourceUpdate[] = [];
  private cursor = 0;
  private wake: (() => void) | undefined;

  readonly onUpdate = (u: SourceUpdate): void => {
    this.updates.push(u);
    this.wake?.();
  };

  /** Skips past every update received so far. */
  mark(): void {
    this.cursor = this.updates.length;
  }

  /**
   * Waits until an update after the mark satisfies `pred`; returns it and every update after the mark up to
   * it (so that tests can check that nothing else changed on the way).
   */
  async until(
    pred: (u: SourceUpdate) => boolean,
    timeoutMs = 4000,
  ): Promise<{ last: SourceUpdate; all: SourceUpdate[] }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.cursor; i < this.updates.length; i++) {
        const u = this.updates[i]!;
        if (pred(u)) {
          const all = this.updates.slice(this.cursor, i + 1);
          this.cursor = i + 1;
          return { last: u, all };
        }
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching update within ${timeoutMs} ms (got ${this.updates.length - this.cursor})`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Asserts that no update arrives for `ms`. */
  async quiet(ms = 300): Promise<void> {
    const n = this.updates.length;
    await new Promise((r) => setTimeout(r, ms));
    expect(this.updates.slice(n)).toEqual([]);
  }
}

let dir: string;
let sources: ManifestsSource[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'causeway-manifests-'));
});

afterEach(async () => {
  await Promise.all(sources.map((s) => s.close()));
  sources = [];
  await rm(dir, { recursive: true, force: true });
});

function newSource(options: Partial<ManifestsSourceOptions> = {}): ManifestsSource {
  const s = new ManifestsSource({ dir, cluster: 'local', rescanIntervalMs: 0, ...options });
  sources.push(s);
  return s;
}

async function write(rel: string, text: string): Promise<void> {
  await mkdir(join(dir, rel, '..'), { recursive: true });
  await writeFile(join(dir, rel), text);
}

async function watched(
  options: Partial<ManifestsSourceOptions> = {},
): Promise<{ source: ManifestsSource; rec: Recorder }> {
  const source = newSource(options);
  await source.load();
  const rec = new Recorder();
  await source.watch(rec.onUpdate);
  return { source, rec };
}

const serviceNames = (u: SourceUpdate) => [...u.resources.services.keys()];
const changes = (all: readonly SourceUpdate[]): ResourceChange[] => all.flatMap((u) => u.changed);
const has = (key: string) => (u: SourceUpdate) => u.resources.services.has(key);
const lacks = (key: string) => (u: SourceUpdate) => !u.resources.services.has(key);
const servicePort = (u: SourceUpdate, key: string) =>
  (u.resources.services.get(key)?.object as Service | undefined)?.spec?.ports?.[0]?.port;

// ---------------------------------------------------------------------------------------------------

describe('ManifestsSource.load', () => {
  it('reads the folder recursively in sorted order, ignoring hidden files, hidden folders and temp files', async () => {
    await write('b.yaml', service('b'));
    await write('a/nested/deep.yml', service('deep'));
    await write(
      'c.json',
      JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'c', namespace: 'shop' } }),
    );
    await write('.hidden.yaml', service('hidden'));
    await write('.git/config.yaml', service('git'));
    await write('b.yaml.swp', service('swp'));
    await write('b.yaml~', service('backup'));
    await write('notes.txt', service('txt'));
    const u = await newSource().load();
    expect(serviceNames(u)).toEqual(['shop/deep', 'shop/b', 'shop/c']);
    expect(u.resources.services.get('shop/deep')?.origin).toEqual({
      cluster: 'local',
      file: 'a/nested/deep.yml',
      documentIndex: 0,
    });
    expect(u.changed).toEqual([
      { kind: 'Service', key: 'shop/b', op: 'upsert' },
      { kind: 'Service', key: 'shop/c', op: 'upsert' },
      { kind: 'Service', key: 'shop/deep', op: 'upsert' },
    ]);
    expect(u.diagnostics).toEqual([]);
  });

  it('follows symlinks to files and to folders outside the root, not links back into it (no loops, no duplicates)', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'causeway-outside-'));
    try {
      await writeFile(join(outside, 'shared.yaml'), service('shared'));
      await write('sub/svc.yaml', service('web'));
      await symlink('..', join(dir, 'sub', 'loop'));
      await symlink(join(dir, 'sub'), join(dir, 'alias'));
      await symlink(outside, join(dir, 'ext'));
      await symlink('sub/svc.yaml', join(dir, 'link.yaml'));
      const u = await newSource().load();
      expect([...u.resources.services.values()].map((s) => s.origin.file)).toEqual([
        'ext/shared.yaml',
        'link.yaml',
      ]);
      // link.yaml (a file symlink) is read and, sorting first, wins over sub/svc.yaml; alias/ and sub/loop/ are not read.
      expect(u.diagnostics.map((d) => [d.code, d.object.file])).toEqual([
        ['CW_E_MANIFEST_DUPLICATE', 'sub/svc.yaml'],
      ]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('lists nothing as changed when loading an unchanged folder again', async () => {
    await write('a.yaml', docs(service('web'), ingress('web')));
    const source = newSource();
    expect((await source.load()).changed).toHaveLength(2);
    const again = await source.load();
    expect(again.changed).toEqual([]);
    expect(serviceNames(again)).toEqual(['shop/web']);
  });

  it('rejects with CW_E_USAGE naming the path when the folder does not exist or is a file', async () => {
    const missing = join(dir, 'nope');
    await expect(newSource({ dir: missing }).load()).rejects.toThrow(CausewayError);
    await expect(newSource({ dir: missing }).load()).rejects.toMatchObject({
      code: 'CW_E_USAGE',
      message: expect.stringContaining(missing) as unknown,
    });
    await write('file.yaml', '');
    await expect(newSource({ dir: join(dir, 'file.yaml') }).load()).rejects.toMatchObject({
      code: 'CW_E_USAGE',
      message: expect.stringContaining('is not a folder') as unknown,
    });
  });

  it('applies nothing from a file that never parsed, and reports it with file and document index', async () => {
    await write('a.yaml', docs(service('ok'), 'kind: [broken\n'));
    await write('b.yaml', service('other'));
    const u = await newSource().load();
    expect(serviceNames(u)).toEqual(['shop/other']);
    expect(u.diagnostics).toHaveLength(1);
    expect(u.diagnostics[0]).toMatchObject({
      code: 'CW_E_MANIFEST_YAML',
      object: { file: 'a.yaml', documentIndex: 1 },
    });
    expect(u.diagnostics[0]!.message).toMatch(
      /^a\.yaml document 1: invalid YAML: .*\(no object of this file is applied\)$/,
    );
  });

  it('keeps the first definition in sorted path order and reports the duplicate', async () => {
    await write('b.yaml', service('web', 81));
    await write('a.yaml', service('web', 80));
    await write('a/z.yaml', service('web', 79)); // 'a.yaml' sorts before 'a/z.yaml': '.' < '/'
    const u = await newSource().load();
    expect(u.resources.services.get('shop/web')?.origin.file).toBe('a.yaml');
    expect(servicePort(u, 'shop/web')).toBe(80);
    expect(u.diagnostics.map((d) => [d.code, d.severity, d.object.file, d.message])).toEqual([
      [
        'CW_E_MANIFEST_DUPLICATE',
        'warning',
        'a/z.yaml',
        'a/z.yaml document 0: Service shop/web is already defined in a.yaml document 0; this definition is ignored',
      ],
      [
        'CW_E_MANIFEST_DUPLICATE',
        'warning',
        'b.yaml',
        'b.yaml document 0: Service shop/web is already defined in a.yaml document 0; this definition is ignored',
      ],
    ]);
  });

  it('reports an unreadable file with CW_E_MANIFEST_READ and keeps its previous version', async () => {
    await write('a.yaml', service('web', 80));
    let deny = false;
    const source = newSource({
      io: {
        readFile: async (p) => {
          if (deny && p.endsWith('a.yaml'))
            throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
          return readFile(p);
        },
      },
    });
    expect(servicePort(await source.load(), 'shop/web')).toBe(80);
    deny = true;
    await write('a.yaml', service('web', 81));
    const u = await source.load();
    expect(u.changed).toEqual([]);
    expect(servicePort(u, 'shop/web')).toBe(80);
    expect(u.diagnostics.map((d) => [d.code, d.object.file, d.message])).toEqual([
      [
        'CW_E_MANIFEST_READ',
        'a.yaml',
        'a.yaml: the file cannot be read (EACCES); its last good version stays in force',
      ],
    ]);
    deny = false;
    const fixed = await source.load();
    expect(fixed.diagnostics).toEqual([]);
    expect(servicePort(fixed, 'shop/web')).toBe(81);
    expect(fixed.changed).toEqual([{ kind: 'Service', key: 'shop/web', op: 'upsert' }]);
  });

  it('reports a file without read permission (skipped when running as root, who can read anything)', async () => {
    if (process.getuid?.() === 0) return;
    const { chmod } = await import('node:fs/promises');
    await write('a.yaml', service('web'));
    await chmod(join(dir, 'a.yaml'), 0o000);
    const u = await newSource().load();
    expect(u.diagnostics.map((d) => d.code)).toEqual(['CW_E_MANIFEST_READ']);
  });
});

describe('ManifestsSource.watch', () => {
  it('emits everything at once when watching without a load, and nothing when the folder did not change since load', async () => {
    await write('a.yaml', service('web'));
    const rec = new Recorder();
    await newSource().watch(rec.onUpdate);
    const { last } = await rec.until(() => true);
    expect(last.changed).toEqual([{ kind: 'Service', key: 'shop/web', op: 'upsert' }]);

    const other = await watched();
    await other.rec.quiet(200);
  });

  it('applies an added file, an edit, and a deletion, listing exactly the changed objects', async () => {
    await write('a.yaml', docs(service('web'), ingress('web')));
    const { rec } = await watched();

    rec.mark();
    await write('b.yaml', service('api'));
    let r = await rec.until(has('shop/api'));
    expect(changes(r.all)).toEqual([{ kind: 'Service', key: 'shop/api', op: 'upsert' }]);

    await write('a.yaml', docs(service('web', 81), ingress('web')));
    r = await rec.until((u) => servicePort(u, 'shop/web') === 81);
    expect(changes(r.all)).toEqual([{ kind: 'Service', key: 'shop/web', op: 'upsert' }]);

    await rm(join(dir, 'a.yaml'));
    r = await rec.until(lacks('shop/web'));
    expect(changes(r.all)).toEqual([
      { kind: 'Ingress', key: 'shop/web', op: 'delete' },
      { kind: 'Service', key: 'shop/web', op: 'delete' },
    ]);
    expect(serviceNames(r.last)).toEqual(['shop/api']);
    expect(r.last.resources.ingresses.size).toBe(0);

    // Emptying a file removes its objects too (after a short check that it is not a writer mid-way).
    await write('b.yaml', '');
    r = await rec.until(lacks('shop/api'));
    expect(changes(r.all)).toEqual([{ kind: 'Service', key: 'shop/api', op: 'delete' }]);
  });

  it('does not call back for a write that does not change the content', async () => {
    await write('a.yaml', service('web'));
    const { rec } = await watched();
    await write('a.yaml', service('web'));
    await rec.quiet(300);
  });

  it('applies an editor-style save (write a temp file, rename it over the original) once', async () => {
    await write('a.yaml', service('web', 80));
    const { rec } = await watched();
    rec.mark();
    await write('.a.yaml.swp', 'swap file garbage: [');
    await write('a.yaml.tmp', service('web', 81));
    await rename(join(dir, 'a.yaml.tmp'), join(dir, 'a.yaml'));
    const r = await rec.until((u) => servicePort(u, 'shop/web') === 81);
    expect(changes(r.all)).toEqual([{ kind: 'Service', key: 'shop/web', op: 'upsert' }]);
    expect(r.last.diagnostics).toEqual([]);
    await rec.quiet(200);
  });

  it('follows a renamed file: same objects, new origin', async () => {
    await write('a.yaml', service('web'));
    const { rec } = await watched();
    rec.mark();
    await rename(join(dir, 'a.yaml'), join(dir, 'b.yaml'));
    const r = await rec.until((u) => u.resources.services.get('shop/web')?.origin.file === 'b.yaml');
    expect(r.last.resources.services.size).toBe(1);
    // Never a moment without the Service: the rename is seen as one batch.
    expect(r.all.every(has('shop/web'))).toBe(true);
  });

  it('watches new sub-folders, folders created with files at once, renamed and deleted folders', async () => {
    const { rec } = await watched();
    await mkdir(join(dir, 'team-a'));
    await write('team-a/svc.yaml', service('a'));
    await rec.until(has('shop/a'));

    // A folder tree moved in complete (e.g. `mv` or `cp -r` from elsewhere).
    const outside = await mkdtemp(join(tmpdir(), 'causeway-outside-'));
    try {
      await mkdir(join(outside, 'x', 'y'), { recursive: true });
      await writeFile(join(outside, 'x', 'y', 'svc.yaml'), service('deep'));
      await rename(join(outside, 'x'), join(dir, 'team-b'));
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
    await rec.until(has('shop/deep'));
    // And a file added later deep inside the moved tree is seen too.
    await write('team-b/y/more.yaml', service('more'));
    await rec.until(has('shop/more'));

    await rename(join(dir, 'team-a'), join(dir, 'team-c'));
    let r = await rec.until((u) => u.resources.services.get('shop/a')?.origin.file === 'team-c/svc.yaml');
    expect(changes(r.all).every((c) => c.op === 'upsert' && c.key === 'shop/a')).toBe(true);
    await write('team-c/svc.yaml', service('a', 82));
    await rec.until((u) => servicePort(u, 'shop/a') === 82);

    await rm(join(dir, 'team-b'), { recursive: true });
    r = await rec.until(
      (u) => !u.resources.services.has('shop/deep') && !u.resources.services.has('shop/more'),
    );
    expect(serviceNames(r.last)).toEqual(['shop/a']);
  });

  it('keeps the last good version of a broken file, reports file and document index, and applies the fix', async () => {
    await write('app.yaml', docs(service('web', 80), ingress('web')));
    await write('other.yaml', service('api'));
    const { rec } = await watched();
    rec.mark();

    // Bad YAML in document 1.
    await write('app.yaml', docs(service('web', 81), 'kind: Ingress\nmetadata: [\n'));
    let r = await rec.until((u) => u.diagnostics.length > 0);
    expect(changes(r.all)).toEqual([]);
    expect(servicePort(r.last, 'shop/web')).toBe(80);
    expect(r.last.resources.ingresses.has('local/shop/web')).toBe(true);
    expect(r.last.diagnostics).toHaveLength(1);
    expect(r.last.diagnostics[0]).toMatchObject({
      code: 'CW_E_MANIFEST_YAML',
      object: { file: 'app.yaml', documentIndex: 1 },
    });
    expect(r.last.diagnostics[0]!.message).toMatch(
      /^app\.yaml document 1: invalid YAML: .*\(the file's last good version stays in force\)$/,
    );

    // Valid YAML, but an invalid document 0.
    await write(
      'app.yaml',
      docs(
        'apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: shop }\nspec: { ports: 80 }\n',
        ingress('web'),
      ),
    );
    r = await rec.until((u) => u.diagnostics.some((d) => d.code === 'CW_E_MANIFEST_OBJECT'));
    expect(changes(r.all)).toEqual([]);
    expect(r.last.diagnostics.map((d) => d.message)).toEqual([
      "app.yaml document 0: Service web: spec.ports must be a list, not number 80 (the file's last good version stays in force)",
    ]);
    expect(servicePort(r.last, 'shop/web')).toBe(80);

    // The fix applies, and the diagnostics are gone.
    await write('app.yaml', docs(service('web', 82), ingress('web')));
    r = await rec.until((u) => u.diagnostics.length === 0);
    expect(servicePort(r.last, 'shop/web')).toBe(82);
    expect(changes(r.all)).toEqual([{ kind: 'Service', key: 'shop/web', op: 'upsert' }]);
    expect(serviceNames(r.last)).toEqual(['shop/web', 'shop/api']);
  });

  it('lists only the EndpointSlice when only endpoints changed', async () => {
    await write('app.yaml', docs(service('web'), ingress('web'), slice('web-1', '10.0.0.1')));
    await write('slices.yaml', slice('web-2', '10.0.0.9'));
    const { rec } = await watched();
    rec.mark();
    await write('app.yaml', docs(service('web'), ingress('web'), slice('web-1', '10.0.0.1', '10.0.0.2')));
    const r = await rec.until((u) => u.changed.length > 0);
    expect(r.last.changed).toEqual([{ kind: 'EndpointSlice', key: 'shop/web-1', op: 'upsert' }]);
    const slices = r.last.resources.endpointSlices.get('shop/web') ?? [];
    expect(slices.map((s) => s.object.metadata.name)).toEqual(['web-1', 'web-2']);
    expect(slices[0]!.object.endpoints?.map((e) => e.addresses[0])).toEqual(['10.0.0.1', '10.0.0.2']);
    await rec.quiet(200);
  });

  it('promotes the other definition of a duplicate when the first file goes, and drops the warning', async () => {
    await write('a.yaml', service('web', 80));
    await write('b.yaml', service('web', 81));
    const { rec } = await watched();
    rec.mark();
    await rm(join(dir, 'a.yaml'));
    const r = await rec.until((u) => servicePort(u, 'shop/web') === 81);
    expect(changes(r.all)).toEqual([{ kind: 'Service', key: 'shop/web', op: 'upsert' }]);
    expect(r.last.diagnostics).toEqual([]);
  });

  it('reacts to a Kubernetes ConfigMap volume update (the ..data symlink swap)', async () => {
    await write('..2024_01_01/app.yaml', service('web', 80));
    await symlink('..2024_01_01', join(dir, '..data'));
    await symlink('..data/app.yaml', join(dir, 'app.yaml'));
    const { source, rec } = await watched();
    expect(servicePort(await source.load(), 'shop/web')).toBe(80);
    rec.mark();
    await write('..2024_01_02/app.yaml', service('web', 81));
    await symlink('..2024_01_02', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    const r = await rec.until((u) => servicePort(u, 'shop/web') === 81);
    expect(r.last.resources.services.get('shop/web')?.origin.file).toBe('app.yaml');
  });

  it('catches changes fs events missed with the periodic rescan', async () => {
    await write('a.yaml', service('web', 80));
    const { source, rec } = await watched({ rescanIntervalMs: 100 });
    // Simulate lost events: stop the fs watchers behind the source's back.
    for (const d of (
      source as unknown as { folder: { dirs: Map<string, { watcher?: { close(): void } }> } }
    ).folder.dirs.values()) {
      d.watcher?.close();
    }
    rec.mark();
    await write('a.yaml', service('web', 81));
    await rec.until((u) => servicePort(u, 'shop/web') === 81, 2000);
  });

  it('does not call back after close', async () => {
    const { source, rec } = await watched();
    await source.close();
    await write('a.yaml', service('web'));
    await rec.quiet(200);
  });

  it('delivers a write to the callback well within a second', async () => {
    await write('a.yaml', service('web', 1000));
    const { rec } = await watched();
    const latencies: number[] = [];
    for (let i = 1; i <= 20; i++) {
      rec.mark();
      const port = 1000 + i;
      const start = performance.now();
      await writeFile(join(dir, 'a.yaml'), service('web', port));
      await rec.until((u) => servicePort(u, 'shop/web') === port, 1000);
      latencies.push(performance.now() - start);
    }
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)]!;
    const max = latencies[latencies.length - 1]!;
    process.stdout.write(
      `manifests source write->callback latency over 20 writes: median ${median.toFixed(1)} ms, max ${max.toFixed(1)} ms\n`,
    );
    expect(max).toBeLessThan(1000);
  });
});
