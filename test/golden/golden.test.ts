/**
 * Golden tests for the two pure stages, driven by `cases/<name>.in.yaml` (Kubernetes manifests, plus an
 * optional test-only `kind: TranslateOptions` document):
 *   translate      -> cases/<name>.ir.yaml   (IR, diagnostics, the Ingresses served, and the Gateway API
 *                     status for cases with Gateway API objects)
 *   xds translate  -> cases/<name>.xds.yaml  (per group: clusters, endpoints, listeners, routes, secrets)
 *                  -> cases/<name>.draining.yaml (cases with a health listener: the listeners a drained
 *                     gateway gets, see docs/drain.md)
 * Every xDS resource is also encoded with Envoy's own protos (unknown fields fail). Real Envoy accepts
 * every golden output: see envoy-validate.test.ts. Regenerate with UPDATE_GOLDEN=1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { translate } from '../../src/translate/translate.js';
import { hasGatewayApi } from '../../src/translate/gateway-api-translate.js';
import { drainingResources, translateXds } from '../../xds/translator/xds.translator.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { encodeResource } from '../../xds/protos/envoy-protos.js';
import { checkGolden } from '../support/golden.js';
import { CASES_DIR, loadCase, xdsView } from './golden-cases.js';

const cases = fs
  .readdirSync(CASES_DIR)
  .filter((f) => f.endsWith('.in.yaml'))
  .map((f) => f.slice(0, -'.in.yaml'.length))
  .sort();

test('there are at least 40 golden cases', () => {
  expect(cases.length).toBeGreaterThanOrEqual(40);
});

describe.each(cases)('%s', (name) => {
  const c = loadCase(name);
  const result = translate(c.resources, c.options);

  test('translate matches the IR golden file', () => {
    const g = checkGolden(path.join(CASES_DIR, `${name}.ir.yaml`), {
      diagnostics: result.diagnostics,
      ir: result.ir,
      served: result.served,
      ...(hasGatewayApi(c.resources) ? { gatewayApiStatus: result.gatewayApiStatus } : {}),
    });
    expect(g.actual).toEqual(g.expected);
  });

  test('xds translate matches the xDS golden file and encodes with Envoy protos', () => {
    const xds = translateXds(result.ir).resources;
    for (const [, types] of xds) {
      for (const [typeUrl, resources] of types) {
        for (const r of resources) expect(() => encodeResource(typeUrl, r.resource)).not.toThrow();
      }
    }
    const g = checkGolden(path.join(CASES_DIR, `${name}.xds.yaml`), xdsView(xds));
    expect(g.actual).toEqual(g.expected);
  });

  if (result.ir.groups.some((group) => group.health)) {
    test('the draining listeners match the draining golden file and encode with Envoy protos', () => {
      const xds = translateXds(result.ir).resources;
      const draining = new Map(
        [...xds].map(([group, types]) => {
          const listeners = drainingResources(types).get(RESOURCE_TYPES.listener) ?? [];
          for (const r of listeners)
            expect(() => encodeResource(RESOURCE_TYPES.listener, r.resource)).not.toThrow();
          return [group, new Map([[RESOURCE_TYPES.listener, listeners]])];
        }),
      );
      const g = checkGolden(path.join(CASES_DIR, `${name}.draining.yaml`), xdsView(draining));
      expect(g.actual).toEqual(g.expected);
    });
  }
});
