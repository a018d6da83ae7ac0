/**
 * How the manifests source meets writers in progress (fs.watch gives no close-write): a file written in
 * place in chunks with pauses, truncated long before it is written, renamed away and written anew, or a
 * storm of files. No test times latency: they assert what reaches the callback.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { open, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from '../../resources/kube-types.js';
import type { SourceUpdate } from '../source-update.js';
import { parseManifestFile } from './manifest-parser.js';
import { ManifestsSource, type ManifestsSourceOptions } from './manifests-source.js';

const N = 60;
const name = (i: number): string => `svc-${String(i).padStart(3, '0')}`;

function services(port: number): string {
  return Array.from(
    { length: N },
    (_, i) =>
      `apiVersion: v1\nkind: Service\nmetadata: { name: ${name(i)}, namespace: shop }\n` +
      `spec: { ports: [{ name: http, port: ${port} }] }\n`,
  ).join('---\n');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let dir: string;
let source: ManifestsSource | undefined;
let updates: SourceUpdate[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'causeway-writers-'));
  updates = [];
});

afterEach(async () => {
  await source?.close();
  source = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function watch(options: Partial<ManifestsSourceOptions> = {}): Promise<void> {
  source = new ManifestsSource({ dir, rescanIntervalMs: 0, settleMs: 2000, ...options });
  await source.load();
  await source.watch((u) => updates.push(u));
}

/** Waits (polling) until an update satisfies `pred`; returns every update received up to it. */
async function until(pred: (u: SourceUpdate) => boolean, timeoutMs = 5000): Promise<SourceUpdate[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const i = updates.findIndex(pred);
    if (i >= 0) return updates.slice(0, i + 1);
    if (Date.now() > deadline) throw new Error(`no matching update in ${timeoutMs} ms (${updates.length})`);
    await sleep(5);
  }
}

const ports = (u: SourceUpdate): (number | undefined)[] =>
  Array.from({ length: N }, (_, i) => {
    const svc = u.resources.services.get(`shop/${name(i)}`)?.object as Service | undefined;
    return svc?.spec?.ports?.[0]?.port;
  });
const allAt = (port: number) => (u: SourceUpdate) => ports(u).every((p) => p === port);

/** No update on the way dropped or half-changed an object, or carried a diagnostic. */
function expectNoFlap(seen: readonly SourceUpdate[], from: number, to: number): void {
  for (const u of seen) {
    expect(u.diagnostics).toEqual([]);
    expect(u.changed.filter((c) => c.op !== 'upsert')).toEqual([]);
    const p = ports(u);
    expect(p.every((x) => x === from) || p.every((x) => x === to)).toBe(true);
  }
}

describe('ManifestsSource and writers in progress', () => {
  it('never surfaces a file written in place in chunks with pauses longer than the quiet period', async () => {
    await writeFile(join(dir, 'app.yaml'), services(80));
    await watch();
    const text = services(81);
    // Cut inside a flow mapping of documents 15, 30 and 45: every prefix is invalid YAML (checked here).
    const cuts = [15, 30, 45].map((d) => text.indexOf(`{ name: ${name(d)}`) + 8);
    for (const c of cuts) expect(parseManifestFile('app.yaml', text.slice(0, c), 'local').ok).toBe(false);
    const fh = await open(join(dir, 'app.yaml'), 'r+');
    try {
      await fh.truncate(0);
      let at = 0;
      for (const c of [...cuts, text.length]) {
        await fh.write(text.slice(at, c), at);
        at = c;
        await sleep(60); // six times the 10 ms quiet period: the source reads every prefix
      }
    } finally {
      await fh.close();
    }
    const seen = await until(allAt(81));
    expectNoFlap(seen, 80, 81);
  });

  it('keeps the objects of a file truncated long before it is written (`cmd > file`)', async () => {
    await writeFile(join(dir, 'app.yaml'), services(80));
    await watch();
    const fh = await open(join(dir, 'app.yaml'), 'r+');
    try {
      await fh.truncate(0);
      await sleep(150);
      await fh.write(services(81), 0);
    } finally {
      await fh.close();
    }
    expectNoFlap(await until(allAt(81)), 80, 81);
  });

  it('applies a file really emptied, and reports one really broken, once unmodified for settleMs', async () => {
    await writeFile(join(dir, 'app.yaml'), services(80));
    await writeFile(join(dir, 'bad.yaml'), services(80).split('---\n')[0]!.replace('svc-000', 'other'));
    await watch({ settleMs: 100 });
    await writeFile(join(dir, 'app.yaml'), '');
    await writeFile(join(dir, 'bad.yaml'), 'kind: [\n');
    const seen = await until((u) => u.diagnostics.length > 0 && !u.resources.services.has('shop/svc-001'));
    expect(seen.at(-1)?.diagnostics.map((d) => d.code)).toEqual(['CW_E_MANIFEST_YAML']);
    expect(seen.at(-1)?.resources.services.has('shop/other')).toBe(true);
  });

  it('never drops the objects of a file renamed away and written anew (an editor keeping a backup)', async () => {
    await writeFile(join(dir, 'app.yaml'), services(80));
    await watch();
    await rename(join(dir, 'app.yaml'), join(dir, 'app.yaml~'));
    await sleep(4); // longer than the 2 ms quiet period of a lone rename
    await writeFile(join(dir, 'app.yaml'), services(81));
    await rm(join(dir, 'app.yaml~'));
    expectNoFlap(await until(allAt(81)), 80, 81);
  });

  it('applies an atomic save (temp file renamed over the original) as one update', async () => {
    await writeFile(join(dir, 'app.yaml'), services(80));
    await watch();
    await writeFile(join(dir, '.app.yaml.tmp'), services(81));
    await rename(join(dir, '.app.yaml.tmp'), join(dir, 'app.yaml'));
    const seen = await until(allAt(81));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.changed).toHaveLength(N);
  });

  it('applies a storm of 300 new files written back to back as one update', async () => {
    await writeFile(join(dir, 'app.yaml'), services(80));
    await watch();
    for (let i = 0; i < 300; i++) {
      const svc = `apiVersion: v1\nkind: Service\nmetadata: { name: storm-${i}, namespace: shop }\n`;
      writeFileSync(join(dir, `storm-${String(i).padStart(3, '0')}.yaml`), svc);
    }
    const seen = await until((u) => u.resources.services.size === N + 300);
    expect(seen).toHaveLength(1);
  });
});
