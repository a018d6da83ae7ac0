import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { parseControllerConfig } from '../config/controller-config.js';
import { ControllerMetrics } from '../observability/metrics.js';
import { sourceFrom } from './controller-source.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-source-flags-'));
  fs.writeFileSync(
    path.join(dir, 'api.yaml'),
    'apiVersion: v1\nkind: Service\nmetadata: { name: api, namespace: shop }\nspec:\n  ports: [{ name: http, port: 80 }]\n',
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the config file VM backends are added to the source (standalone mode here; every mode is wrapped alike)', async () => {
  const config = parseControllerConfig(
    'c.yaml',
    'vms:\n  - { service: shop/api, port: http, addresses: [192.0.2.10], targetPort: 8080, zone: dc1 }\n',
  );
  const { source, mode } = sourceFrom(
    { manifests: dir, config: 'c.yaml' },
    config,
    pino({ level: 'silent' }),
    new ControllerMetrics(),
  );
  expect(mode).toBe(`manifests ${dir} + 1 VM backend entry`);
  try {
    const u = await source.load();
    expect(u.diagnostics).toEqual([]);
    expect(u.changed).toContainEqual({
      kind: 'EndpointSlice',
      key: 'shop/api-causeway-vms-0-ipv4',
      op: 'upsert',
    });
    expect(u.resources.endpointSlices.get('shop/api')?.map((s) => s.origin.cluster)).toEqual(['vms']);
  } finally {
    await source.close();
  }
});

test('without VM backends the source is not wrapped', () => {
  const { mode } = sourceFrom(
    { manifests: dir },
    parseControllerConfig('c.yaml', ''),
    pino({ level: 'silent' }),
    new ControllerMetrics(),
  );
  expect(mode).toBe(`manifests ${dir}`);
});
