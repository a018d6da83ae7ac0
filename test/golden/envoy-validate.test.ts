/**
 * Real Envoy accepts every golden xDS output: each case's groups become static bootstraps checked with
 * `envoy --mode validate` (the same binary the gateways run). Groups with a health listener are also
 * checked in their draining form (what a drained gateway gets).
 */
import fs from 'node:fs';
import { translate } from '../../src/translate/translate.js';
import { drainingResources, translateXds } from '../../xds/translator/xds.translator.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { validateEnvoyConfig } from '../support/envoy-validate.js';
import { CASES_DIR, loadCase } from './golden-cases.js';
import { staticBootstrap } from './static-bootstrap.js';

const cases = fs
  .readdirSync(CASES_DIR)
  .filter((f) => f.endsWith('.in.yaml'))
  .map((f) => f.slice(0, -'.in.yaml'.length))
  .sort();

test('every golden case validates in real Envoy', async () => {
  const jobs: { label: string; bootstrap: object }[] = [];
  for (const name of cases) {
    const c = loadCase(name);
    for (const [group, resources] of translateXds(translate(c.resources, c.options).ir).resources) {
      jobs.push({ label: `${name}/${group}`, bootstrap: staticBootstrap(resources) });
      if ((resources.get(RESOURCE_TYPES.listener) ?? []).some((l) => l.name === 'health'))
        jobs.push({
          label: `${name}/${group} (draining)`,
          bootstrap: staticBootstrap(drainingResources(resources)),
        });
    }
  }
  expect(jobs.length).toBeGreaterThanOrEqual(cases.length);
  const failures: string[] = [];
  const queue = [...jobs];
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const r = await validateEnvoyConfig(job.bootstrap);
      if (!r.ok) failures.push(`${job.label}: ${r.output.split('\n').slice(-5).join(' | ')}`);
    }
  };
  await Promise.all([worker(), worker()]);
  expect(failures).toEqual([]);
}, 600_000);

test('the validation can fail: Envoy rejects a route whose :authority regex is invalid', async () => {
  const c = loadCase(cases.find((n) => n.includes('wildcard-host'))!);
  const resources = translateXds(translate(c.resources, c.options).ir).resources.get('default')!;
  const bootstrap = staticBootstrap(resources) as { static_resources: { listeners: unknown[] } };
  const text = JSON.stringify(bootstrap).replace('^[^.]+', '^[^.+');
  const r = await validateEnvoyConfig(JSON.parse(text) as object);
  expect(r.ok).toBe(false);
  expect(r.output).toMatch(/error initializing configuration/);
}, 60_000);
