/**
 * Property test (issue 14): after every step of a random sequence of changes (Ingresses, Services,
 * EndpointSlices, Secrets, IngressClasses over 2-4 gateway groups and two clusters), the incremental
 * translation (IncrementalTranslation + translateXdsReusing + SnapshotCache.setGroups, with the
 * EndpointSlice fast path as the runner takes it) equals a from-scratch translate + translateXds byte
 * for byte (incremental-oracle.ts). Also every golden case built up one object at a time and torn down.
 * A fixed seed keeps CI reproducible; more: INCREMENTAL_SEED=<n> INCREMENTAL_RUNS=<n> INCREMENTAL_STEPS=<n>.
 */
import fs from 'node:fs';
import type { KubeObject } from '../../src/resources/kube-types.js';
import { resourceObjects, type Sourced } from '../../src/resources/resource-set.js';
import type { TranslateOptions } from '../../src/translate/translate-options.js';
import { createTestCa } from '../support/tls-certs.js';
import { CASES_DIR, loadCase } from '../golden/golden-cases.js';
import { IncrementalStepper } from './incremental-oracle.js';
import { nextWorld, type WorldShape } from './random-changes.js';
import { mulberry32 } from '../../src/util/seeded-random.js';

const SEED = Number(process.env['INCREMENTAL_SEED'] ?? 20261208);
const RUNS = Number(process.env['INCREMENTAL_RUNS'] ?? 12);
const STEPS = Number(process.env['INCREMENTAL_STEPS'] ?? 40);

const ca = createTestCa('incremental-test-ca');
afterAll(() => ca.remove());
const cert = ca.issueServer({ dns: ['h0.example.com', '*.example.com'] });

function optionsFor(seed: number): { options: TranslateOptions; groups: string[] } {
  const r = mulberry32(seed ^ 0x5bd1e995);
  const groups = ['default', 'g1', 'g2', 'g3'].slice(0, 2 + Math.floor(r() * 3));
  const options: TranslateOptions = {
    defaults: { httpPort: 8080, httpsPort: 8443 },
    groups: r() < 0.5 ? { g1: { httpPort: 8080, httpsPort: 8443, healthPort: 9000 } } : {},
  };
  return { options, groups };
}

test.each(Array.from({ length: RUNS }, (_, i) => SEED + i))(
  'seed %i: incremental translation equals a full one after every step',
  (seed) => {
    const { options, groups } = optionsFor(seed);
    const shape: WorldShape = { groups, cert, caCert: ca.caCert };
    const r = mulberry32(seed);
    const stepper = new IncrementalStepper(options);
    let world = new Map<string, Sourced<KubeObject>>();
    for (let step = 0; step < STEPS; step++) {
      world = nextWorld(r, shape, world);
      const objects = [...world.keys()].sort().map((id) => world.get(id)!);
      const changes = stepper.step(objects);
      const diff = stepper.difference();
      if (diff !== undefined)
        throw new Error(`seed ${seed}, step ${step}: ${diff} differs after ${JSON.stringify(changes)}`);
    }
    // The sequence exercised each way of applying a change (not only fallbacks to a full translation).
    expect(stepper.counts.incremental).toBeGreaterThan(STEPS / 8);
  },
);

const goldenCases = fs
  .readdirSync(CASES_DIR)
  .filter((f) => f.endsWith('.in.yaml'))
  .map((f) => f.slice(0, -'.in.yaml'.length))
  .sort();

test('every golden case built up one object at a time, then torn down, equals a full translation', () => {
  let steps = 0;
  for (const name of goldenCases) {
    const c = loadCase(name);
    const all = resourceObjects(c.resources);
    const stepper = new IncrementalStepper(c.options);
    const prefixes = [...all.map((_, i) => all.slice(0, i + 1)), ...all.map((_, i) => all.slice(i + 1))];
    for (const objects of prefixes) {
      stepper.step(objects);
      steps++;
      const diff = stepper.difference();
      if (diff !== undefined)
        throw new Error(`golden case ${name}, ${objects.length} objects: ${diff} differs`);
    }
  }
  expect(steps).toBeGreaterThan(goldenCases.length);
}, 600_000);
