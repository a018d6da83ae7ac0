/**
 * The scaling curve: kube-bench.main.ts at several sizes (endpoints in all; 5 per EndpointSlice, every
 * Service in both clusters, so Services = endpoints / 10), the same gateways and writes at each size,
 * summed up in one table to show whether the cost of one endpoint change stays flat as the input grows:
 * write -> every gateway ACKed p50/p99, controller CPU per write, write -> cache, bytes pushed per write,
 * event-loop delay, RSS and the cold start. Each size runs in its own process (kube-bench, fresh etcd
 * and apiservers); `--reuse FILE` takes a size from an earlier kube-bench result instead (e.g. the full
 * run of `npm run bench`). Prints the table and writes dist/scaling-curve-result.json.
 *
 * Each size also runs `--real-gateways` (default 3) real Envoys in group-0, as `npm run bench`'s full
 * kube-bench run does, so a reused full run and the other sizes have the same gateways.
 *
 *   node dist/test/bench/scaling-curve.main.js [--sizes 1000,10000,100000] [--gateways 1000]
 *                                             [--writes 200] [--real-gateways 3]
 *                                             [--reuse dist/kube-bench-result.json]
 *                                             [--out FILE]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmtMs, round, table } from './bench-harness.js';

const ENDPOINTS_PER_SLICE = 5;
const CLUSTERS = 2;

interface Stat {
  readonly p50: number;
  readonly p99: number;
}

/** The parts of a kube-bench result the curve reads. */
interface KubeBenchResult {
  readonly input: { readonly endpoints: number; readonly services: number; readonly ingresses: number };
  readonly gateways: { readonly count: number };
  readonly realGateways?: { readonly count: number };
  readonly coldStart: { readonly totalMs: number };
  readonly endpointSliceWrites: {
    readonly writes: number;
    readonly totalMs: Stat;
    readonly toCacheMs: Stat;
    readonly pushedResourceBytes: { readonly mean: number };
    readonly cpuMsPerWrite: Record<string, number>;
  };
  readonly memory: { readonly end: { readonly rssMb: number } };
  readonly eventLoopDelayMs?: { readonly writes?: { readonly maxMs: number } };
  readonly loadAverage: { readonly start: string };
}

interface Point {
  readonly endpoints: number;
  readonly source: string;
  readonly result: KubeBenchResult;
}

function runKubeBench(dist: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(dist, 'test/bench/kube-bench.main.js'), ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`kube-bench ${args.join(' ')} exited with ${code}`)),
    );
  });
}

function read(file: string): KubeBenchResult {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as KubeBenchResult;
}

function rowOf(p: Point): string[] {
  const w = p.result.endpointSliceWrites;
  return [
    String(p.endpoints),
    `${p.result.input.services} / ${p.result.input.ingresses}`,
    `${p.result.gateways.count}${p.result.realGateways ? ` + ${p.result.realGateways.count} real` : ''}`,
    `${fmtMs(w.totalMs.p50)} / ${fmtMs(w.totalMs.p99)}`,
    `${fmtMs(w.toCacheMs.p50)} / ${fmtMs(w.toCacheMs.p99)}`,
    `${round(w.cpuMsPerWrite['controller'] ?? NaN, 1)} ms`,
    `${round(w.pushedResourceBytes.mean / 1024, 1)} KiB`,
    fmtMs(p.result.eventLoopDelayMs?.writes?.maxMs),
    `${p.result.memory.end.rssMb} MB`,
    fmtMs(p.result.coldStart.totalMs),
    p.result.loadAverage.start.split(' ')[0] ?? '',
  ];
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      sizes: { type: 'string', default: '1000,10000,100000' },
      gateways: { type: 'string', default: '1000' },
      writes: { type: 'string', default: '200' },
      'real-gateways': { type: 'string', default: '3' },
      reuse: { type: 'string', multiple: true, default: [] },
      out: { type: 'string' },
    },
  });
  const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const outFile = args.out ?? path.join(dist, 'scaling-curve-result.json');
  const reused = new Map<number, { file: string; result: KubeBenchResult }>();
  for (const file of args.reuse) {
    if (!fs.existsSync(file)) continue;
    const result = read(file);
    reused.set(result.input.endpoints, { file, result });
  }
  const points: Point[] = [];
  for (const endpoints of args.sizes.split(',').map(Number)) {
    const services = endpoints / (CLUSTERS * ENDPOINTS_PER_SLICE);
    if (!Number.isInteger(services) || services < 1)
      throw new Error(`--sizes: ${endpoints} is not a multiple of ${CLUSTERS * ENDPOINTS_PER_SLICE}`);
    const r = reused.get(endpoints);
    if (r) {
      points.push({ endpoints, source: r.file, result: r.result });
      continue;
    }
    const file = path.join(os.tmpdir(), `scaling-curve-${process.pid}-${endpoints}.json`);
    process.stderr.write(`scaling-curve: ${endpoints} endpoints (${services} Services)\n`);
    await runKubeBench(dist, [
      '--services',
      String(services),
      '--endpoints-per-slice',
      String(ENDPOINTS_PER_SLICE),
      '--gateways',
      args.gateways,
      '--writes',
      args.writes,
      '--real-gateways',
      args['real-gateways'],
      '--routed-writes',
      '0',
      '--out',
      file,
    ]);
    points.push({ endpoints, source: 'this run', result: read(file) });
    fs.rmSync(file, { force: true });
  }
  const rows = [
    [
      'Endpoints',
      'Services / Ingresses',
      'Gateways',
      'write -> all ACKed p50 / p99',
      'write -> cache p50 / p99',
      'ctrl CPU/write',
      'pushed/write',
      'loop delay max',
      'RSS end',
      'cold start',
      'load avg',
    ],
    ...points.map(rowOf),
  ];
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`,
    points: points.map((p) => ({ endpoints: p.endpoints, source: p.source, ...p.result })),
  };
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\n${table(rows)}\n\nWrote ${outFile}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `scaling-curve failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
