/**
 * `node dist/test/fuzz/incremental-sources.main.js [--runs 20] [--steps 300] [--seed S]`: the incremental
 * sources property (incremental-sources.ts) over more seeds than CI runs (from a random first seed,
 * printed so a failure can be replayed). Exits 1 at the first difference.
 */
import { parseArgs } from 'node:util';
import { runIncrementalSources } from './incremental-sources.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    steps: { type: 'string', default: '300' },
    seed: { type: 'string' },
    'xds-every': { type: 'string', default: '5' },
  },
});
const first = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
for (let run = 0; run < Number(values.runs); run++) {
  const seed = first + run;
  const report = await runIncrementalSources({
    seed,
    steps: Number(values.steps),
    xdsEvery: Number(values['xds-every']),
  });
  console.log(
    `seed ${seed}: ${report.steps} steps, ${report.updates} updates, ${report.changes} changes, ${report.xdsComparisons} xDS comparisons`,
  );
  if (report.failure !== undefined) {
    console.log(report.failure);
    process.exitCode = 1;
    break;
  }
}
