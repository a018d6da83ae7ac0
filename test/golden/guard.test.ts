/**
 * The final guard before the cache (xds/translator/resource-guard.ts) has no false positives: no
 * resource or endpoint of any golden case (each accepted by a real Envoy, envoy-validate.test.ts) is
 * left out. A case with a hostile EndpointSlice would be dropped by translate before the guard sees it.
 */
import fs from 'node:fs';
import { translate } from '../../src/translate/translate.js';
import { translateXds } from '../../xds/translator/xds.translator.js';
import { CASES_DIR, loadCase } from './golden-cases.js';

const cases = fs
  .readdirSync(CASES_DIR)
  .filter((f) => f.endsWith('.in.yaml'))
  .map((f) => f.slice(0, -'.in.yaml'.length))
  .sort();

test.each(cases)('%s: the guard leaves nothing out', (name) => {
  const c = loadCase(name);
  const xds = translateXds(translate(c.resources, c.options).ir);
  expect(xds.diagnostics).toEqual([]);
});
