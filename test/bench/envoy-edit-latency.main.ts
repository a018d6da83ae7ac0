/**
 * Benchmark: an EndpointSlice file edit -> a real Envoy gateway ROUTES to the new endpoint (HTTP probes
 * through the gateway, not only the ACK). The controller runs in standalone mode on a temp manifests
 * folder; each round rewrites the Service's EndpointSlice to point at the other of two echo backends and
 * probes the gateway back to back (a new connection a probe) until the answer comes from that backend.
 * Two ways of writing, measured one after the other:
 * - atomic: write a temp file and rename it over the original (editors, `sed -i`, config tools);
 * - in place: truncate and write the file itself (`>` redirects, editors that save in place).
 * Prints p50/p90/max per mode and writes them to dist/envoy-edit-latency-result.json.
 *
 *   node dist/test/bench/envoy-edit-latency.main.js [--rounds 30] [--mode both|atomic|in-place] [--out FILE]
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startEchoBackend } from '../../src/demo/echo-backend.js';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import {
  endpointSlice,
  INGRESS_CLASS,
  service,
  tempDir,
  writeAtomic,
  yamlDocs,
} from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { startStandaloneGateway } from '../support/standalone-gateway.js';

type WriteMode = 'atomic' | 'in-place';

interface ModeResult {
  readonly mode: WriteMode;
  readonly rounds: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly maxMs: number;
  readonly samplesMs: readonly number[];
}

function backendOf(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () =>
        resolve(
          res.statusCode === 200 ? (JSON.parse(body) as { backend: string }).backend : String(res.statusCode),
        ),
      );
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

/** Truncates and rewrites the file itself (same inode), as `>` and in-place editors do. */
function writeInPlace(file: string, text: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.ftruncateSync(fd, 0);
    fs.writeSync(fd, text, 0);
  } finally {
    fs.closeSync(fd);
  }
}

/** Nearest-rank percentile (0..100) of sorted values. */
function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round1 = (ms: number): number => Math.round(ms * 10) / 10;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '30' },
      mode: { type: 'string', default: 'both' },
      out: { type: 'string', default: path.join(projectRoot(), 'dist', 'envoy-edit-latency-result.json') },
    },
  });
  const rounds = Number(values.rounds);
  const modes: WriteMode[] =
    values.mode === 'both' ? ['atomic', 'in-place'] : [values.mode === 'atomic' ? 'atomic' : 'in-place'];
  const dir = tempDir('causeway-bench-edit-');
  const backends = [await startEchoBackend({ name: 'blue' }), await startEchoBackend({ name: 'green' })];
  const [httpPort] = (await freePorts(1)) as [number];
  const slices = (i: number): string =>
    yamlDocs(endpointSlice('app', [{ address: '127.0.0.1', port: backends[i % 2]!.port }]));
  fs.writeFileSync(
    path.join(dir, 'app.yaml'),
    yamlDocs(INGRESS_CLASS, service('app'), {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'app', namespace: 'default' },
      spec: { defaultBackend: { service: { name: 'app', port: { number: 80 } } } },
    }),
  );
  const file = path.join(dir, 'slices.yaml');
  fs.writeFileSync(file, slices(0));
  const stack = await startStandaloneGateway({ manifests: dir, httpPort, name: 'bench-gateway' });
  const results: ModeResult[] = [];
  let edit = 0;
  try {
    await stack.gateway.waitForListener(httpPort);
    while ((await backendOf(httpPort)) !== backends[0]!.name) await new Promise((r) => setTimeout(r, 20));
    for (const mode of modes) {
      const samples: number[] = [];
      for (let i = 1; i <= rounds; i++) {
        edit++;
        const want = backends[edit % 2]!.name;
        const t0 = performance.now();
        if (mode === 'atomic') writeAtomic(file, slices(edit));
        else writeInPlace(file, slices(edit));
        while ((await backendOf(httpPort)) !== want) {
          if (performance.now() - t0 > 10_000)
            throw new Error(`${mode} round ${i}: the gateway did not move to ${want} in 10 s`);
        }
        samples.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 50));
      }
      const sorted = [...samples].sort((a, b) => a - b);
      results.push({
        mode,
        rounds,
        p50Ms: round1(pct(sorted, 50)),
        p90Ms: round1(pct(sorted, 90)),
        maxMs: round1(sorted[sorted.length - 1]!),
        samplesMs: samples.map(round1),
      });
    }
  } finally {
    await stack.stop();
    for (const b of backends) await b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write('\nEndpointSlice file edit -> a real Envoy routes to the new endpoint:\n');
  for (const r of results) {
    process.stdout.write(
      `  ${r.mode.padEnd(9)} (n=${r.rounds}): p50 ${r.p50Ms} ms, p90 ${r.p90Ms} ms, max ${r.maxMs} ms\n`,
    );
  }
  fs.mkdirSync(path.dirname(values.out), { recursive: true });
  fs.writeFileSync(values.out, JSON.stringify({ results }, null, 2));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
