/**
 * Benchmark: start-up of the `causeway` command line (bin/causeway.js on the built dist/). Runs each
 * command N times in a fresh node process and prints the median and p90 wall time, and the peak memory
 * (max RSS) of one more run. Exits non-zero only when a command fails, never because of its timing.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The project root, from dist/test/bench/ (built) or test/bench/ (ts). */
const ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  import.meta.url.includes('/dist/') ? '../../..' : '../..',
);
const CLI = path.join(ROOT, 'bin', 'causeway.js');

const COMMANDS: readonly (readonly string[])[] = [
  ['--help'],
  ['controller', '--help'],
  ['translate', '-f', 'examples'],
];

/** Reports the child's peak memory on stderr when it exits. */
const MAX_RSS_HOOK =
  'data:text/javascript,process.on("exit",()=>process.stderr.write(`\\nmaxRSS=${process.resourceUsage().maxRSS}\\n`))';

/** Runs the CLI once; returns milliseconds, or throws with its output when it fails. */
function runOnce(args: readonly string[], nodeArgs: readonly string[] = []): { ms: number; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...nodeArgs, CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0)
    throw new Error(`causeway ${args.join(' ')} exited ${String(r.status ?? r.signal)}:\n${r.stderr}`);
  return { ms, stderr: r.stderr };
}

/** Nearest-rank percentile (0..1) of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function measure(args: readonly string[], runs: number): string {
  runOnce(args); // warm the file system cache
  const samples = Array.from({ length: runs }, () => runOnce(args).ms).sort((a, b) => a - b);
  const rss = /maxRSS=(\d+)/.exec(runOnce(args, ['--import', MAX_RSS_HOOK]).stderr)?.[1];
  const mb = rss !== undefined ? `${(Number(rss) / 1024).toFixed(0)} MB` : '?';
  return (
    `${`causeway ${args.join(' ')}`.padEnd(34)} median ${percentile(samples, 0.5).toFixed(0).padStart(5)} ms` +
    `   p90 ${percentile(samples, 0.9).toFixed(0).padStart(5)} ms   max RSS ${mb}`
  );
}

function main(): void {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
  const runs = Number(values.runs);
  process.stdout.write(`CLI start-up (${runs} runs each, node ${process.version}, ${CLI}):\n`);
  try {
    for (const args of COMMANDS) process.stdout.write(`  ${measure(args, runs)}\n`);
  } catch (err) {
    process.stderr.write(`cli-startup: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

main();
