/**
 * `npm run fuzz [-- --runs N] [-- --seed S] [-- --validate-every K]`: the hostile-input fuzz suite for
 * longer than CI runs it (default 5,000 cases, a random seed, printed so a failure can be replayed).
 * Exits 1 with the shrunk counterexample when a case fails.
 */
import { parseArgs } from 'node:util';
import { describeReport, runFuzz } from './fuzz-run.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5000' },
    seed: { type: 'string' },
    'validate-every': { type: 'string', default: '50' },
  },
});
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const report = await runFuzz({
  seed,
  runs: Number(values.runs),
  validateEvery: Number(values['validate-every']),
});
console.log(describeReport(report));
if (report.pipelineFailure) console.log(report.pipelineFailure);
for (const f of report.envoyFailures) console.log(`Envoy refused: ${f}`);
process.exitCode = report.pipelineFailure || report.envoyFailures.length > 0 ? 1 : 0;
