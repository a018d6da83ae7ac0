/**
 * Issue 14's property test of the incremental sources (incremental-sources.ts): with a fixed seed, random
 * sequences of writes in 3 clusters keep the incremental ResourceSet, its `changed` and its xDS equal to a
 * from-scratch build. More seeds: `node dist/test/fuzz/incremental-sources.main.js --runs 50`, or
 * INCREMENTAL_SOURCES_SEED=<n> for this test.
 */
import { runIncrementalSources } from './incremental-sources.js';

const SEED = Number(process.env['INCREMENTAL_SOURCES_SEED'] ?? 1414);

test('incremental ResourceSet, changes and xDS equal a from-scratch build after every update', async () => {
  for (let run = 0; run < 4; run++) {
    const report = await runIncrementalSources({ seed: SEED + run, steps: 300, xdsEvery: 5 });
    expect(report.failure).toBeUndefined();
    expect(report.updates).toBeGreaterThan(100);
    expect(report.changes).toBeGreaterThan(200);
  }
}, 120_000);
