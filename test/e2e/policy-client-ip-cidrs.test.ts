/**
 * Proxies trusted by address (config file `clientIp.trustedCidrs`) through real Envoy gateways: the XFF
 * original IP detection extension with fields newer than the shipped protos (xds/protos/
 * proto-additions.ts), so this also shows the field numbers are right when sent over xDS.
 *  - `default` trusts 127.0.0.0/8 (the test client's address) and 10.0.0.0/8: the client is the
 *    rightmost X-Forwarded-For entry outside them, and the peer is still appended for the backend;
 *  - `untrusted` trusts only 10.0.0.0/8: the loopback peer is not a trusted proxy, so X-Forwarded-For
 *    is ignored and the peer is the client.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startEchoBackend, type EchoBackend, type EchoBody } from '../support/echo-backend.js';
import { httpGet } from '../support/http-client.js';
import {
  endpointSlice,
  hostIngress,
  INGRESS_CLASS,
  service,
  tempDir,
  yamlDocs,
} from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { startConfiguredStack, type ConfiguredStack } from '../support/configured-stack.js';

const OFFICE = {
  'causeway.dev/whitelist-source-range': '192.0.2.0/24',
  'causeway.dev/denylist-source-range': '192.0.2.66',
};

function ingress(name: string, group: string): object {
  return hostIngress({
    name,
    host: 'office.example.com',
    service: 'echo',
    annotations: { 'causeway.dev/gateway-group': group, ...OFFICE },
  });
}

let dir: string;
let backend: EchoBackend;
let stack: ConfiguredStack | undefined;
let trustedPort: number;
let untrustedPort: number;

beforeAll(async () => {
  dir = tempDir('causeway-e2e-client-ip-cidrs-');
  const manifests = path.join(dir, 'manifests');
  fs.mkdirSync(manifests);
  backend = await startEchoBackend({ name: 'echo' });
  const [a, b, c, d] = (await freePorts(4)) as [number, number, number, number];
  [trustedPort, untrustedPort] = [a, c];
  fs.writeFileSync(
    path.join(manifests, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('echo'),
      endpointSlice('echo', [{ address: '127.0.0.1', port: backend.port }]),
      ingress('office', 'default'),
      ingress('untrusted-office', 'untrusted'),
    ),
  );
  stack = await startConfiguredStack({
    manifests,
    name: 'client-ip-cidrs',
    groups: ['default', 'untrusted'],
    config: [
      'groups:',
      `  default: { httpPort: ${a}, httpsPort: ${b}, clientIp: { trustedCidrs: [127.0.0.0/8, 10.0.0.0/8] } }`,
      `  untrusted: { httpPort: ${c}, httpsPort: ${d}, clientIp: { trustedCidrs: [10.0.0.0/8] } }`,
    ].join('\n'),
  });
  for (const [group, port] of [
    ['default', trustedPort],
    ['untrusted', untrustedPort],
  ] as const) {
    const gateway = stack.gateways.get(group)!;
    await gateway.waitForListener(port);
    await gateway.waitForStat('http.http.rds.http.update_success', (v) => (v ?? 0) >= 1);
  }
}, 90_000);

afterAll(async () => {
  await backend?.close();
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

beforeEach(() => backend.reset());

async function get(port: number, xff: string | undefined): Promise<{ status: number; body: string }> {
  return httpGet(`http://127.0.0.1:${port}/`, {
    host: 'office.example.com',
    ...(xff !== undefined ? { headers: { 'x-forwarded-for': xff } } : {}),
  });
}

test('from a trusted proxy, the rightmost X-Forwarded-For entry outside the trusted CIDRs is the client', async () => {
  expect((await get(trustedPort, '192.0.2.10')).status).toBe(200);
  // 10.1.1.1 is a trusted proxy too: skipped.
  expect((await get(trustedPort, '192.0.2.10, 10.1.1.1')).status).toBe(200);
  expect((await get(trustedPort, '192.0.2.66')).status).toBe(403);
  expect((await get(trustedPort, '203.0.113.5')).status).toBe(403);
  // The client's own claim further left does not count.
  expect((await get(trustedPort, '192.0.2.10, 203.0.113.5')).status).toBe(403);
  // No X-Forwarded-For: the peer (127.0.0.1) is the client, outside the allow list.
  expect((await get(trustedPort, undefined)).status).toBe(403);
});

test('the peer is still appended to X-Forwarded-For for the backend (skip_xff_append: false)', async () => {
  const r = await get(trustedPort, '192.0.2.10');
  expect(r.status).toBe(200);
  const xff = (JSON.parse(r.body) as EchoBody).headers['x-forwarded-for'];
  // Envoy appends the peer (for a loopback peer, as here, its own node address instead).
  expect(xff).toMatch(/^192\.0\.2\.10,[0-9.]+$/);
});

test('from a peer outside the trusted CIDRs, X-Forwarded-For is ignored', async () => {
  expect((await get(untrustedPort, '192.0.2.10')).status).toBe(403);
  expect(backend.requests).toHaveLength(0);
});
