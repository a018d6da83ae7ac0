/**
 * Golden tests of the gateway bootstrap (`testdata/<case>.yaml`, regenerate with UPDATE_GOLDEN=1): each
 * case is checked against Envoy's protos, and the golden files themselves are checked by the real
 * `envoy --mode validate` (skipped only when no Envoy is found and CI is not set).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CausewayError } from '../../src/errors.js';
import { ensureEnvoy, findEnvoy } from '../../src/tools/envoy-binary.js';
import { decodeResource, encodeResource } from '../protos/envoy-protos.js';
import {
  BOOTSTRAP_TYPE_URL,
  bootstrapToJson,
  bootstrapToYaml,
  buildBootstrap,
  durationMs,
  parsePort,
  parseXdsAddress,
  validateGroup,
} from './bootstrap.js';
import type { BootstrapOptions } from './bootstrap.js';

const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

const CASES: Readonly<Record<string, BootstrapOptions>> = {
  'ip-address': {
    group: 'edge',
    xdsHost: '10.96.0.10',
    xdsPort: 18000,
    nodeId: 'edge-gw-node-1',
    adminPort: 9901,
  },
  'dns-name-with-locality': {
    group: 'public',
    xdsHost: 'causeway.causeway-system.svc.cluster.local',
    xdsPort: 18000,
    nodeId: 'public-ip-10-0-1-17.ec2.internal',
    adminPort: 9901,
    zone: 'eu-west-1a',
    region: 'eu-west-1',
  },
  ipv6: {
    group: 'internal',
    xdsHost: 'fd00::10',
    xdsPort: 18000,
    nodeId: 'internal-gw-2',
    adminPort: 19000,
    zone: 'zone-b',
  },
  // YAML 1.1 words (Envoy reads a bare `on` as a boolean) and a custom backoff and connect timeout.
  'yaml-1-1-words': {
    group: 'on',
    xdsHost: 'localhost',
    xdsPort: 18000,
    nodeId: 'yes',
    adminPort: 9901,
    zone: 'off',
    xdsReconnect: { baseIntervalMs: 250, maxIntervalMs: 5000 },
    xdsConnectTimeoutMs: 1500,
  },
};

describe.each(Object.entries(CASES))('bootstrap %s', (name, opts) => {
  const bootstrap = buildBootstrap(opts);
  const golden = path.join(TESTDATA, `${name}.yaml`);

  test('matches the golden file', () => {
    const yaml = bootstrapToYaml(bootstrap);
    if (UPDATE) {
      fs.mkdirSync(TESTDATA, { recursive: true });
      fs.writeFileSync(golden, yaml);
    }
    expect(yaml).toBe(fs.readFileSync(golden, 'utf8'));
  });

  test("is valid against Envoy's Bootstrap proto and canonical (round-trips unchanged)", () => {
    const bytes = encodeResource(BOOTSTRAP_TYPE_URL, bootstrap);
    expect(decodeResource(BOOTSTRAP_TYPE_URL, bytes)).toEqual(JSON.parse(bootstrapToJson(bootstrap)));
  });

  test('is deterministic', () => {
    expect(bootstrapToJson(buildBootstrap(opts))).toBe(bootstrapToJson(bootstrap));
  });
});

describe('bootstrap content', () => {
  const base: BootstrapOptions = {
    group: 'edge',
    xdsHost: '10.0.0.1',
    xdsPort: 18000,
    nodeId: 'n1',
    adminPort: 9901,
  };

  test('delta ADS with a jittered reconnect backoff, CDS and LDS over ADS', () => {
    const b = buildBootstrap(base) as Record<string, Record<string, Record<string, unknown>>>;
    const dyn = b['dynamic_resources'] ?? {};
    expect(dyn['ads_config']).toMatchObject({
      api_type: 'DELTA_GRPC',
      transport_api_version: 'V3',
      set_node_on_first_message_only: true,
      grpc_services: [
        {
          envoy_grpc: {
            cluster_name: 'causeway_xds',
            retry_policy: { retry_back_off: { base_interval: '1s', max_interval: '30s' } },
          },
        },
      ],
    });
    expect(dyn['cds_config']).toEqual({ ads: {}, resource_api_version: 'V3' });
    expect(dyn['lds_config']).toEqual({ ads: {}, resource_api_version: 'V3' });
  });

  test('STATIC cluster for an IP, STRICT_DNS for a name; node and locality', () => {
    const cluster = (o: BootstrapOptions): Record<string, unknown> =>
      (buildBootstrap(o)['static_resources'] as { clusters: Record<string, unknown>[] }).clusters[0] ?? {};
    expect(cluster(base)['type']).toBe('STATIC');
    expect(cluster({ ...base, xdsHost: '::1' })['type']).toBe('STATIC');
    expect(cluster({ ...base, xdsHost: 'causeway.example' })).toMatchObject({
      type: 'STRICT_DNS',
      dns_lookup_family: 'V4_PREFERRED',
    });
    expect(buildBootstrap(base)['node']).toEqual({ id: 'n1', cluster: 'edge' });
    expect(buildBootstrap({ ...base, zone: 'z1' })['node']).toEqual({
      id: 'n1',
      cluster: 'edge',
      locality: { zone: 'z1' },
    });
    expect(buildBootstrap({ ...base, adminPort: 0 })['admin']).toEqual({
      address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    });
  });

  test('durations', () => {
    expect([durationMs(1000), durationMs(250), durationMs(30_000), durationMs(1)]).toEqual([
      '1s',
      '0.25s',
      '30s',
      '0.001s',
    ]);
  });

  test.each<[string, Partial<BootstrapOptions>, RegExp]>([
    ['group with uppercase', { group: 'Edge' }, /invalid gateway group "Edge"/],
    ['group too long', { group: 'a'.repeat(64) }, /invalid gateway group/],
    ['empty group', { group: '' }, /invalid gateway group/],
    ['xds port 0', { xdsPort: 0 }, /invalid xDS port "0"/],
    ['admin port 70000', { adminPort: 70000 }, /invalid admin port "70000"/],
    ['bad xds host', { xdsHost: 'bad_host!' }, /invalid host "bad_host!"/],
    ['node id with space', { nodeId: 'a b' }, /invalid node id/],
    ['bad zone', { zone: 'us east' }, /invalid zone/],
    [
      'backoff max < base',
      { xdsReconnect: { baseIntervalMs: 1000, maxIntervalMs: 10 } },
      /invalid xDS reconnect backoff/,
    ],
    ['admin address not an IP', { adminAddress: 'localhost' }, /invalid admin address/],
  ])('rejects %s with CW_E_USAGE', (_label, patch, message) => {
    const call = (): unknown => buildBootstrap({ ...base, ...patch });
    expect(call).toThrow(CausewayError);
    expect(call).toThrow(/^CW_E_USAGE: /);
    expect(call).toThrow(message);
  });
});

describe('parseXdsAddress and friends', () => {
  test.each([
    ['127.0.0.1:18000', '127.0.0.1', 18000],
    ['causeway.causeway-system:18000', 'causeway.causeway-system', 18000],
    ['Causeway.Example.COM.:1', 'Causeway.Example.COM.', 1],
    ['localhost:65535', 'localhost', 65535],
    ['[::1]:18000', '::1', 18000],
    ['[fd00::a:1]:443', 'fd00::a:1', 443],
    [' 10.0.0.1:80 ', '10.0.0.1', 80],
  ])('%s', (text, host, port) => {
    expect(parseXdsAddress(text)).toEqual({ host, port });
  });

  test.each([
    ['no port', 'causeway', /expected HOST:PORT/],
    ['empty port', 'causeway:', /invalid port/],
    ['port 0', 'causeway:0', /invalid port/],
    ['port too big', 'causeway:65536', /invalid port/],
    ['port not a number', 'causeway:http', /invalid port/],
    ['bare IPv6', '::1:18000', /expected HOST:PORT/],
    ['IPv4 in brackets', '[127.0.0.1]:80', /invalid host/],
    ['empty host', ':18000', /invalid host/],
    ['wildcard host', '*.example.com:80', /invalid host/],
    ['URL', 'http://causeway:18000', /expected HOST:PORT/],
  ])('rejects %s', (_label, text, message) => {
    expect(() => parseXdsAddress(text)).toThrow(CausewayError);
    expect(() => parseXdsAddress(text)).toThrow(message);
  });

  test('ports and groups', () => {
    expect(parsePort('9901')).toBe(9901);
    expect(parsePort('0', 'admin port', true)).toBe(0);
    expect(() => parsePort('1.5')).toThrow(/invalid port "1.5"/);
    expect(() => parsePort(-1)).toThrow(/from 1 to 65535/);
    expect(validateGroup('edge-1')).toBe('edge-1');
    expect(() => validateGroup('-edge')).toThrow(/DNS label/);
  });
});

// ---------------------------------------------------------------------------------------------------
// The real Envoy reads the generated bootstraps (the same text as the golden files).

const underCi = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase());
const found = findEnvoy();
const runEnvoy = found !== undefined || underCi;
if (!runEnvoy) {
  console.warn(
    'SKIPPING `envoy --mode validate` of the bootstrap goldens: no Envoy found (run `npm run setup:envoy` or set CAUSEWAY_ENVOY); under CI this test always runs.',
  );
}

function envoyValidate(envoy: string, file: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(
      envoy,
      ['--mode', 'validate', '-c', file, '--disable-hot-restart'],
      { timeout: 60_000 },
      (err, stdout, stderr) => resolve({ ok: err === null, output: `${stdout}${stderr}` }),
    );
  });
}

(runEnvoy ? test : test.skip)(
  'the real Envoy accepts every generated bootstrap, as YAML (envoy --mode validate)',
  async () => {
    const envoy = found ?? (await ensureEnvoy());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-bootstrap-'));
    try {
      for (const [name, opts] of Object.entries(CASES)) {
        const file = path.join(dir, `${name}.yaml`);
        fs.writeFileSync(file, bootstrapToYaml(buildBootstrap(opts)));
        const r = await envoyValidate(envoy, file);
        if (!r.ok) throw new Error(`envoy rejected the ${name} bootstrap:\n${r.output}`);
        expect(r.output).toMatch(/configuration .* OK/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
  300_000,
);
