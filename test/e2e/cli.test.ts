/** The CLI as users run it (bin/causeway.js over dist/): the flag contract, help, errors and exit codes. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { tempDir } from '../support/manifests.js';

const root = projectRoot();

function causeway(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'causeway.js'), ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test.each([
  [
    ['controller'],
    [
      '--manifests',
      '--config',
      '--xds-address',
      '--admin-address',
      '--http-port',
      '--https-port',
      '--manifests-max-file-bytes',
      '--manifests-max-total-bytes',
    ],
  ],
  [['translate'], ['--file', '--ir', '--output']],
  [
    ['gateway', 'bootstrap'],
    ['--group', '--xds', '--node-id', '--admin-port'],
  ],
])('causeway %s --help lists the contract flags', (cmd, flags) => {
  const r = causeway(...cmd, '--help');
  expect(r.status).toBe(0);
  for (const f of flags) expect(r.stdout).toContain(f);
});

test.each([
  [['translate']],
  [['plan']],
  [['translate', '-f', 'examples', '--bogus']],
  [['gateways', 'drain']],
  [['gateways', '-o', 'yaml']],
  [['nonsense']],
  [['plan', '-f', '/does/not/exist', '--aws-endpoint', 'http://127.0.0.1:1']],
])('usage errors exit 2 with a message and no stack trace: causeway %j', (args) => {
  const r = causeway(...args);
  expect(r.status).toBe(2);
  expect(r.stderr.trim()).not.toBe('');
  expect(r.stderr).not.toMatch(/\n\s+at /);
});

test('causeway --help lists the commands', () => {
  const r = causeway('--help');
  expect(r.status).toBe(0);
  for (const c of ['controller', 'translate', 'gateway', 'gateways', 'vm', 'plan'])
    expect(r.stdout).toContain(c);
});

test.each([
  [['controller', '--kubeconfig', '/does/not/exist'], /kubeconfig \/does\/not\/exist cannot be read/],
  [['controller', '--manifests', 'examples', '--kubeconfig', 'x'], /cannot be combined/],
  [['controller', '--kubeconfig', '/dev/null', '--context', 'nope'], /kubeconfig|context/],
  [['controller', '--manifests', 'examples', '--http-port', 'x'], /--http-port.*not a port number/],
  [
    ['controller', '--manifests', 'examples', '--manifests-max-file-bytes', '8MB'],
    /--manifests-max-file-bytes.*not a size in bytes/,
  ],
  [['controller', '--manifests', 'examples', '--xds-address', 'nohostport'], /not HOST:PORT/],
  [
    [
      'controller',
      '--manifests',
      '/does/not/exist',
      '--xds-address',
      '127.0.0.1:0',
      '--admin-address',
      '127.0.0.1:0',
    ],
    /does not exist/,
  ],
  [['controller', '--manifests', 'examples', '--config', '/does/not/exist.yaml'], /cannot read config file/],
  [['translate'], /required option '-f, --file <dir>'/],
  [['translate', '-f', 'examples', '-o', 'xml'], /Allowed choices are yaml, json/],
  [['translate', '-f', 'examples', '--group', 'nope'], /unknown gateway group "nope"/],
  [['gateway', 'bootstrap', '--group', 'g'], /required option '--xds/],
  [['nonsense'], /unknown command/],
])('causeway %j fails with a clear message', (args, message) => {
  const r = causeway(...args);
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(message);
});

test('controller: plaintext xDS off loopback needs --xds-insecure; never together with the TLS flags', () => {
  // Nothing binds: each run stops at a usage error (status 2) before listening.
  const base = ['controller', '--manifests', '/does/not/exist', '--admin-address', '127.0.0.1:0'];
  for (const address of ['0.0.0.0:0', '[::]:0', '10.1.2.3:0']) {
    const r = causeway(...base, '--xds-address', address);
    expect([r.status, r.stderr]).toEqual([2, expect.stringContaining('(not a loopback address) needs mTLS')]);
    expect(r.stderr).toContain(
      'give --xds-tls-cert, --xds-tls-key and --xds-tls-client-ca (production), or --xds-insecure',
    );
  }
  // With --xds-insecure (or on loopback) the xDS rule passes: the run gets as far as the missing folder.
  for (const extra of [
    ['--xds-address', '0.0.0.0:0', '--xds-insecure'],
    ['--xds-address', '127.0.0.1:0'],
  ]) {
    const r = causeway(...base, ...extra);
    expect([r.status, r.stderr]).toEqual([2, expect.stringMatching(/does not exist/)]);
    expect(r.stderr).not.toContain('needs mTLS');
  }
  const both = causeway(...base, '--xds-address', '0.0.0.0:0', '--xds-insecure', '--xds-tls-cert', 'a.crt');
  expect([both.status, both.stderr]).toEqual([
    2,
    expect.stringContaining('--xds-insecure (plaintext xDS) cannot be combined with the --xds-tls-* flags'),
  ]);
  expect(causeway('controller', '--help').stdout).toContain('--xds-insecure');
});

test('translate prints each group, with private keys redacted, and JSON on request', () => {
  const r = causeway('translate', '-f', path.join(root, 'examples'), '-o', 'json');
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout) as {
    diagnostics: unknown[];
    groups: Record<string, { listeners: { name: string }[] }>;
  };
  expect(out.diagnostics).toEqual([]);
  expect(out.groups['default']!.listeners.map((l) => l.name)).toEqual(['http']);
  const ir = YAML.parse(causeway('translate', '-f', path.join(root, 'examples'), '--ir').stdout) as {
    groups: Record<string, unknown>;
  };
  expect(Object.keys(ir.groups)).toEqual(['default']);
});

test('translate prints the Gateway API status a route and its Gateway would get', () => {
  const dir = tempDir('causeway-cli-gwapi-');
  try {
    fs.writeFileSync(
      path.join(dir, 'gateway.yaml'),
      [
        'apiVersion: gateway.networking.k8s.io/v1',
        'kind: GatewayClass',
        'metadata: {name: causeway}',
        'spec: {controllerName: causeway.dev/gateway}',
        '---',
        'apiVersion: gateway.networking.k8s.io/v1',
        'kind: Gateway',
        'metadata: {name: edge, namespace: infra}',
        'spec: {gatewayClassName: causeway, listeners: [{name: http, port: 80, protocol: HTTP}]}',
        '---',
        'apiVersion: gateway.networking.k8s.io/v1',
        'kind: HTTPRoute',
        'metadata: {name: web, namespace: shop}',
        'spec: {parentRefs: [{name: edge, namespace: infra}], rules: [{backendRefs: [{name: web, port: 80}]}]}',
        '',
      ].join('\n'),
    );
    const r = causeway('translate', '-f', dir, '-o', 'json');
    const out = JSON.parse(r.stdout) as {
      gatewayApiStatus: {
        gatewayClasses: { name: string; conditions: { type: string; status: string }[] }[];
        gateways: { key: string; group: string }[];
        routes: {
          key: string;
          parents: { conditions: { type: string; status: string; reason: string }[] }[];
        }[];
      };
    };
    const status = out.gatewayApiStatus;
    expect(status.gatewayClasses[0]).toMatchObject({
      name: 'causeway',
      conditions: [{ type: 'Accepted', status: 'True' }],
    });
    expect(status.gateways.map((g) => [g.key, g.group])).toEqual([['infra/edge', 'infra-edge']]);
    // The listener allows routes of its own namespace only (the default): the route in shop is refused.
    expect(status.routes[0]!.key).toBe('shop/web');
    expect(status.routes[0]!.parents[0]!.conditions).toContainEqual(
      expect.objectContaining({ type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners' }),
    );
    // Without Gateway API objects the key is not there.
    const plain = JSON.parse(
      causeway('translate', '-f', path.join(root, 'examples'), '-o', 'json').stdout,
    ) as object;
    expect(plain).not.toHaveProperty('gatewayApiStatus');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('translate exits 1 on error diagnostics and names the file and document of a broken manifest', () => {
  const dir = tempDir('causeway-cli-');
  try {
    fs.writeFileSync(
      path.join(dir, 'bad.yaml'),
      'apiVersion: v1\nkind: Service\nmetadata: {name: ok}\n---\nkind: [\n',
    );
    const r = causeway('translate', '-f', dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('CW_E_MANIFEST_YAML');
    expect(r.stdout).toContain('bad.yaml');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
