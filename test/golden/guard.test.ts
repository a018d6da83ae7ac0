/**
 * The final guard before the cache (xds/translator/resource-guard.ts) has no false positives: no
 * resource or endpoint of any golden case (each accepted by a real Envoy, envoy-validate.test.ts) is
 * left out. A case with a hostile EndpointSlice would be dropped by translate before the guard sees it,
 * so the guard's own work is shown on an IR built by hand, through `envoy --mode validate`.
 */
import fs from 'node:fs';
import { translate } from '../../src/translate/translate.js';
import { translateXds } from '../../xds/translator/xds.translator.js';
import { CASES_DIR, loadCase } from './golden-cases.js';
import type { BackendIR, IR } from '../../src/ir/ir-types.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { translateClusterLoadAssignment } from '../../xds/translator/cluster.translator.js';
import { validateEnvoyConfig } from '../support/envoy-validate.js';
import { staticBootstrap } from './static-bootstrap.js';

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

/** A group whose IR a translate bug filled with hostile endpoints (translate itself drops them). */
function hostileIr(): IR {
  const backend = (name: string, endpoints: BackendIR['endpoints']): BackendIR => ({
    name: `service/shop/${name}/80`,
    service: { namespace: 'shop', name, port: 80, portName: 'http' },
    protocol: 'http1',
    connectTimeoutSeconds: 2,
    crossCluster: 'failover',
    endpoints,
    sources: [{ kind: 'Ingress', namespace: 'shop', name: 'shop' }],
  });
  const ep = (address: string) => ({ address, port: 8080, state: 'ready' as const });
  return {
    groups: [
      {
        name: 'default',
        http: { name: 'http', port: 8080, virtualHosts: [] },
        tcp: [],
        secrets: [],
        backends: [
          backend('good', [{ cluster: 'local', zone: 'a', priority: 0, endpoints: [ep('10.0.0.1')] }]),
          backend('bad', [
            { cluster: 'local', zone: 'a', priority: 0, endpoints: [ep('not-an-ip'), ep('10.0.0.2')] },
            { cluster: 'local', zone: 'zone-\ud800', priority: 0, endpoints: [ep('10.0.0.3')] },
          ]),
        ],
      },
    ],
  };
}

test('real Envoy refuses the unguarded endpoints and accepts what the guard lets through', async () => {
  const ir = hostileIr();
  const guarded = translateXds(ir).resources.get('default')!;
  expect(guarded.get(RESOURCE_TYPES.endpoint)!.map((r) => r.name)).toEqual([
    'service/shop/bad/80',
    'service/shop/good/80',
  ]);
  const accepted = await validateEnvoyConfig(staticBootstrap(guarded));
  expect({ ok: accepted.ok, output: accepted.ok ? '' : accepted.output }).toEqual({ ok: true, output: '' });
  // The same group with the assignments as the translator builds them, before the guard: each hostile
  // part alone (the address, the zone) makes Envoy refuse the whole configuration.
  const bad = ir.groups[0]!.backends.find((b) => b.service.name === 'bad')!;
  for (const endpoints of [[bad.endpoints[0]!], [bad.endpoints[1]!]]) {
    const raw = new Map(guarded);
    const cla = translateClusterLoadAssignment({ ...bad, endpoints });
    raw.set(RESOURCE_TYPES.endpoint, [
      { name: bad.name, resource: cla },
      ...guarded.get(RESOURCE_TYPES.endpoint)!.filter((r) => r.name !== bad.name),
    ]);
    const refused = await validateEnvoyConfig(staticBootstrap(raw));
    expect(refused.ok).toBe(false);
    const why = refused.output.split('\n').find((l) => /error|invalid|malformed|exception/i.test(l)) ?? '';
    process.stdout.write(`envoy --mode validate, unguarded: ${why.replace(/^.*\] /, '').slice(0, 200)}\n`);
  }
});
