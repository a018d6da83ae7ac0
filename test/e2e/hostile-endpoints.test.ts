/**
 * Issue 11, finding 1, through real Envoy gateways (Delta and SotW): EndpointSlices with an address that
 * is not an IP (`not-an-ip`) or a zone holding a lone UTF-16 surrogate used to reach Envoy, which then
 * rejected the whole endpoint response: a fresh gateway served 503 for a healthy Service of the same
 * group and a running SotW gateway stopped applying endpoint changes. Now the bad endpoints are left out
 * with CW_E_ENDPOINT_INVALID (at /debug/diagnostics), the healthy Service serves, keeps receiving
 * endpoint changes, and no gateway rejects an update.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startEchoBackend, type EchoBackend } from '../../src/demo/echo-backend.js';
import type { Diagnostic } from '../../src/errors.js';
import { httpGet } from '../support/http-client.js';
import {
  endpointSlice,
  INGRESS_CLASS,
  service,
  tempDir,
  writeAtomic,
  yamlDocs,
} from '../support/manifests.js';
import { freePort } from '../support/ports.js';
import { startStandaloneGateway, type StandaloneGateway } from '../support/standalone-gateway.js';

/** One Ingress: /good, /bad-ip and /bad-zone to their Services (all in the default group). */
const ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'hostile', namespace: 'default' },
  spec: {
    rules: [
      {
        http: {
          paths: ['good', 'bad-ip', 'bad-zone'].map((s) => ({
            path: `/${s}`,
            pathType: 'Prefix',
            backend: { service: { name: s, port: { number: 80 } } },
          })),
        },
      },
    ],
  },
};

/** The bad-ip slice: one endpoint whose address is not an IP. */
const badIpSlice = (port: number): string =>
  yamlDocs({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'bad-ip-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'bad-ip' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: [{ addresses: ['not-an-ip'], conditions: { ready: true } }],
  });

/**
 * The bad-zone slice: a real endpoint whose zone is a lone surrogate. Written by hand: the YAML escape
 * `\ud800` decodes to a lone surrogate (a JS string with one cannot be written to a file as UTF-8).
 */
const badZoneSlice = (port: number): string =>
  [
    'apiVersion: discovery.k8s.io/v1',
    'kind: EndpointSlice',
    'metadata:',
    '  name: bad-zone-1',
    '  namespace: default',
    '  labels:',
    '    kubernetes.io/service-name: bad-zone',
    'addressType: IPv4',
    'ports:',
    `  - { name: http, port: ${port}, protocol: TCP }`,
    'endpoints:',
    '  - addresses: ["127.0.0.1"]',
    '    zone: "zone-\\ud800"',
    '    conditions: { ready: true }',
    '',
  ].join('\n');

async function backendOf(port: number, p: string): Promise<string | number> {
  const r = await httpGet(`http://127.0.0.1:${port}${p}`, { host: 'any.example.com' });
  return r.status === 200 ? (JSON.parse(r.body) as { backend: string }).backend : r.status;
}

/** Polls until /good is served by `expected`; returns the milliseconds it took (throws after 5 s). */
async function waitForGood(port: number, expected: string): Promise<number> {
  const t0 = performance.now();
  let last: string | number = 'none';
  while (performance.now() - t0 < 5000) {
    last = await backendOf(port, '/good');
    if (last === expected) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`/good still answered ${String(last)} after 5 s (expected ${expected})`);
}

async function diagnosticsOf(adminPort: number): Promise<readonly Diagnostic[]> {
  const r = await httpGet(`http://127.0.0.1:${adminPort}/debug/diagnostics`);
  return JSON.parse(r.body) as Diagnostic[];
}

let backends: Record<'one' | 'two' | 'zoned', EchoBackend>;
beforeAll(async () => {
  backends = {
    one: await startEchoBackend({ name: 'one' }),
    two: await startEchoBackend({ name: 'two' }),
    zoned: await startEchoBackend({ name: 'zoned' }),
  };
});
afterAll(async () => {
  for (const b of Object.values(backends ?? {})) await b.close();
});

describe.each(['delta', 'sotw'] as const)('%s gateway', (xdsProtocol) => {
  let dir: string;
  let stack: StandaloneGateway | undefined;
  let httpPort: number;
  const goodSlice = (b: EchoBackend): string =>
    yamlDocs(endpointSlice('good', [{ address: '127.0.0.1', port: b.port }]));

  beforeAll(async () => {
    dir = tempDir(`causeway-e2e-hostile-${xdsProtocol}-`);
    httpPort = await freePort();
    fs.writeFileSync(
      path.join(dir, 'objects.yaml'),
      yamlDocs(INGRESS_CLASS, service('good'), service('bad-ip'), service('bad-zone'), ingress),
    );
    fs.writeFileSync(path.join(dir, 'good-slice.yaml'), goodSlice(backends.one));
    // Present from the start: a fresh gateway must serve the healthy Service anyway.
    fs.writeFileSync(path.join(dir, 'bad-ip-slice.yaml'), badIpSlice(backends.two.port));
    stack = await startStandaloneGateway({
      manifests: dir,
      httpPort,
      name: `hostile-${xdsProtocol}`,
      xdsProtocol,
      clusterStats: true, // per-cluster EDS update_rejected counts too
    });
    await stack.gateway.waitForListener(httpPort);
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a fresh gateway serves the healthy Service while a slice holds not-an-ip', async () => {
    await waitForGood(httpPort, 'one');
    expect(await backendOf(httpPort, '/bad-ip')).toBe(503);
    const diags = await diagnosticsOf(stack!.controller.adminPort);
    expect(diags.filter((d) => d.code === 'CW_E_ENDPOINT_INVALID')).toEqual([
      {
        code: 'CW_E_ENDPOINT_INVALID',
        severity: 'warning',
        object: { kind: 'Service', namespace: 'default', name: 'bad-ip' },
        message:
          'EndpointSlice default/bad-ip-1, endpoint 0: "not-an-ip" is not an IPv4 address; the endpoint is left out',
      },
    ]);
  });

  test('a lone-surrogate zone arriving while running: the healthy Service keeps receiving endpoint changes', async () => {
    writeAtomic(path.join(dir, 'bad-zone-slice.yaml'), badZoneSlice(backends.zoned.port));
    const adminPort = stack!.controller.adminPort;
    const t0 = performance.now();
    while (
      !(await diagnosticsOf(adminPort)).some(
        (d) => d.object.name === 'bad-zone' && d.code === 'CW_E_ENDPOINT_INVALID',
      )
    ) {
      if (performance.now() - t0 > 5000) throw new Error('no CW_E_ENDPOINT_INVALID for bad-zone after 5 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const zoneDiag = (await diagnosticsOf(adminPort)).find(
      (d) => d.object.name === 'bad-zone' && d.code === 'CW_E_ENDPOINT_INVALID',
    )!;
    expect(zoneDiag.message).toBe(
      'EndpointSlice default/bad-zone-1, endpoint 0: its zone is not well-formed UTF-16/UTF-8 (lone surrogate U+D800 at index 5); the endpoint is left out',
    );

    // Endpoint changes of the healthy Service still reach the gateway, both ways.
    writeAtomic(path.join(dir, 'good-slice.yaml'), goodSlice(backends.two));
    const toTwo = await waitForGood(httpPort, 'two');
    writeAtomic(path.join(dir, 'good-slice.yaml'), goodSlice(backends.one));
    const backToOne = await waitForGood(httpPort, 'one');
    process.stdout.write(
      `${xdsProtocol}: healthy endpoint change with bad slices present -> served in ${toTwo.toFixed(0)} ms, back in ${backToOne.toFixed(0)} ms\n`,
    );
    // The bad-zone endpoint is a live backend, but it was left out: its Service has no endpoint.
    expect(await backendOf(httpPort, '/bad-zone')).toBe(503);
    expect(await backendOf(httpPort, '/bad-ip')).toBe(503);
  });

  test('the gateway rejected no update', async () => {
    const stats = await stack!.gateway.stats('update_rejected');
    expect(Object.keys(stats).length).toBeGreaterThan(0);
    expect(Object.entries(stats).filter(([, v]) => v !== 0)).toEqual([]);
  });
});
