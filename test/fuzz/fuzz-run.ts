/**
 * The fuzz loop shared by the CI test (fixed seed) and `npm run fuzz` (longer, any seed): generates
 * hostile cases with fast-check, runs each through fuzz-scenario.ts, and validates a sample of the
 * resulting gateway configurations with the real Envoy (`envoy --mode validate`). fast-check shrinks a
 * failing case to a small one and reports it with the seed that reproduces it.
 */
import fc from 'fast-check';
import { validateEnvoyConfig } from '../support/envoy-validate.js';
import { createTestCa } from '../support/tls-certs.js';
import { hostileObjects } from './hostile-arbitraries.js';
import { runFuzzCase } from './fuzz-scenario.js';

export interface FuzzOptions {
  readonly seed: number;
  readonly runs: number;
  /** Validate the bootstraps of every n-th case in which the parser accepted a hostile object. */
  readonly validateEvery: number;
}

export interface FuzzReport {
  readonly seed: number;
  readonly cases: number;
  readonly hostileFiles: number;
  readonly acceptedFiles: number;
  readonly envoyValidations: number;
  /** The shrunk counterexample and what it broke, when a case failed in the pipeline. */
  readonly pipelineFailure?: string;
  /** Bootstraps Envoy refused, with the tail of its output. */
  readonly envoyFailures: readonly string[];
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const ca = createTestCa('causeway-fuzz-ca');
  const pair = ca.issueServer({ dns: ['a.example'] });
  ca.remove();
  let cases = 0;
  let hostileFiles = 0;
  let acceptedFiles = 0;
  let withObjects = 0;
  const sampled: { label: string; bootstrap: object }[] = [];
  const property = fc.property(hostileObjects(pair), (docs) => {
    const outcome = runFuzzCase(docs);
    cases += 1;
    hostileFiles += docs.length;
    acceptedFiles += outcome.acceptedFiles;
    if (outcome.problems.length > 0) throw new Error(outcome.problems.join('\n'));
    if (outcome.acceptedFiles > 0 && ++withObjects % o.validateEvery === 0)
      for (const b of outcome.bootstraps)
        sampled.push({ label: `case ${cases} group ${b.group}`, bootstrap: b.bootstrap });
  });
  const details = fc.check(property, { seed: o.seed, numRuns: o.runs });
  const pipelineFailure = details.failed
    ? `${fc.defaultReportMessage(details) ?? 'failed'}`.slice(0, 20_000)
    : undefined;
  const envoyFailures = await validateAll(sampled);
  return {
    seed: o.seed,
    cases,
    hostileFiles,
    acceptedFiles,
    envoyValidations: sampled.length,
    ...(pipelineFailure !== undefined ? { pipelineFailure } : {}),
    envoyFailures,
  };
}

async function validateAll(jobs: readonly { label: string; bootstrap: object }[]): Promise<string[]> {
  const failures: string[] = [];
  const queue = [...jobs];
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const r = await validateEnvoyConfig(job.bootstrap);
      if (!r.ok)
        failures.push(
          `${job.label}: ${r.output.split('\n').slice(-5).join(' | ')}\n${JSON.stringify(job.bootstrap).slice(0, 4000)}`,
        );
    }
  };
  await Promise.all([worker(), worker()]);
  return failures;
}

export function describeReport(r: FuzzReport): string {
  return (
    `fuzz: seed ${r.seed}, ${r.cases} generated cases (${r.hostileFiles} hostile files, ${r.acceptedFiles} ` +
    `accepted by the parser), ${r.envoyValidations} gateway configs validated by Envoy, ` +
    `${r.pipelineFailure ? 'pipeline FAILED' : 'pipeline ok'}, ${r.envoyFailures.length} refused by Envoy`
  );
}
