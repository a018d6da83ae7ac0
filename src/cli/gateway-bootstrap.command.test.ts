import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { parse } from 'yaml';
import { defaultNodeId, registerGatewayCommand } from './gateway-bootstrap.command.js';

interface Run {
  readonly out: string;
  readonly err: string;
  readonly error?: CommanderError;
}

function run(...args: string[]): Run {
  let out = '';
  let err = '';
  const program = new Command('causeway')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  registerGatewayCommand(program);
  try {
    program.parse(['gateway', 'bootstrap', ...args], { from: 'user' });
    return { out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { out, err, error: e };
    throw e;
  }
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('causeway gateway bootstrap', () => {
  test('prints a YAML bootstrap with defaults (node id <group>-<hostname>, admin port 9901)', () => {
    const r = run('--group', 'public', '--xds', 'causeway.causeway-system:18000');
    expect(r.error).toBeUndefined();
    expect(r.err).toBe('');
    const b = parse(r.out) as Obj;
    expect(b['node']).toEqual({ id: defaultNodeId('public'), cluster: 'public' });
    expect(defaultNodeId('public')).toBe(`public-${os.hostname().toLowerCase()}`);
    expect(b['admin']).toEqual({ address: { socket_address: { address: '127.0.0.1', port_value: 9901 } } });
    const cluster = b['static_resources']['clusters'][0] as Obj;
    expect(cluster['type']).toBe('STRICT_DNS');
    expect(cluster['load_assignment']['endpoints'][0]['lb_endpoints'][0]['endpoint']['address']).toEqual({
      socket_address: { address: 'causeway.causeway-system', port_value: 18000 },
    });
    expect(b['dynamic_resources']['ads_config']['api_type']).toBe('DELTA_GRPC');
  });

  test('takes every flag, and prints JSON with -o json', () => {
    const r = run(
      '--group',
      'edge',
      '--xds',
      '[fd00::1]:18001',
      '--node-id',
      'edge-7',
      '--admin-port',
      '19000',
      '--zone',
      'eu-west-1a',
      '--region',
      'eu-west-1',
      '--address',
      'gw7.example.com',
      '-o',
      'json',
    );
    expect(r.error).toBeUndefined();
    const b = JSON.parse(r.out) as Obj;
    expect(b['node']).toEqual({
      id: 'edge-7',
      cluster: 'edge',
      locality: { region: 'eu-west-1', zone: 'eu-west-1a' },
      metadata: { 'causeway.dev/address': 'gw7.example.com' },
    });
    expect(b['admin']['address']['socket_address']['port_value']).toBe(19000);
    expect(b['static_resources']['clusters'][0]['type']).toBe('STATIC');
    expect(
      b['static_resources']['clusters'][0]['load_assignment']['endpoints'][0]['lb_endpoints'][0]['endpoint'],
    ).toEqual({
      address: { socket_address: { address: 'fd00::1', port_value: 18001 } },
    });
  });

  test('per-cluster traffic stats: created on first use by default, up front with --cluster-stats', () => {
    const lazy = JSON.parse(run('--group', 'edge', '--xds', '127.0.0.1:18000', '-o', 'json').out) as Obj;
    expect(lazy['deferred_stat_options']).toEqual({ enable_deferred_creation_stats: true });
    const all = run('--group', 'edge', '--xds', '127.0.0.1:18000', '--cluster-stats', '-o', 'json');
    expect(all.error).toBeUndefined();
    expect((JSON.parse(all.out) as Obj)['deferred_stat_options']).toBeUndefined();
  });

  test('--xds repeated: one xDS cluster endpoint per controller replica', () => {
    const r = run('--group', 'edge', '--xds', '127.0.0.1:18000', '--xds', '127.0.0.1:18001', '-o', 'json');
    expect(r.error).toBeUndefined();
    const cluster = (JSON.parse(r.out) as Obj)['static_resources']['clusters'][0] as Obj;
    expect(
      (cluster['load_assignment']['endpoints'][0]['lb_endpoints'] as Obj[]).map(
        (e) => e['endpoint']['address']['socket_address']['port_value'] as number,
      ),
    ).toEqual([18000, 18001]);
  });

  test('--xds-tls-* writes the two SDS files and points the xDS cluster at them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-bootstrap-cli-'));
    try {
      const r = run(
        '--group',
        'edge',
        '--xds',
        'causeway.causeway-system:18000',
        '--xds-tls-cert',
        '/etc/gw/tls.crt',
        '--xds-tls-key',
        '/etc/gw/tls.key',
        '--xds-tls-ca',
        '/etc/ca/ca.crt',
        '--xds-tls-sds-dir',
        path.join(dir, 'sds'),
      );
      expect(r.error).toBeUndefined();
      const tls = (parse(r.out) as Obj)['static_resources']['clusters'][0]['transport_socket'] as Obj;
      expect(tls['typed_config']['sni']).toBe('causeway.causeway-system');
      expect(fs.readdirSync(path.join(dir, 'sds')).sort()).toEqual([
        'causeway_xds_client_certificate.yaml',
        'causeway_xds_validation_context.yaml',
      ]);
      const cert = parse(
        fs.readFileSync(path.join(dir, 'sds', 'causeway_xds_client_certificate.yaml'), 'utf8'),
      ) as Obj;
      expect(cert['resources'][0]['tls_certificate']).toEqual({
        certificate_chain: { filename: '/etc/gw/tls.crt' },
        private_key: { filename: '/etc/gw/tls.key' },
        watched_directory: { path: '/etc/gw' },
      });
      const validation = parse(
        fs.readFileSync(path.join(dir, 'sds', 'causeway_xds_validation_context.yaml'), 'utf8'),
      ) as Obj;
      expect(validation['resources'][0]['validation_context']['match_typed_subject_alt_names']).toEqual([
        { san_type: 'DNS', matcher: { exact: 'causeway.causeway-system' } },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('YAML output quotes YAML 1.1 words for Envoy', () => {
    const r = run('--group', 'on', '--xds', '127.0.0.1:18000', '--node-id', 'yes');
    expect(r.out).toContain('cluster: "on"');
    expect(r.out).toContain('id: "yes"');
  });

  test.each<[string, string[], RegExp]>([
    ['missing --group', ['--xds', '127.0.0.1:18000'], /required option '--group <group>' not specified/],
    ['missing --xds', ['--group', 'edge'], /required option '--xds <host:port>' not specified/],
    [
      'invalid group',
      ['--group', 'Edge_1', '--xds', 'a:1'],
      /'--group <group>' argument 'Edge_1' is invalid\. invalid gateway group "Edge_1": must be a DNS label/,
    ],
    [
      'xds without port',
      ['--group', 'edge', '--xds', 'causeway'],
      /'--xds <host:port>' argument 'causeway' is invalid\. .*expected HOST:PORT/,
    ],
    [
      'xds port out of range',
      ['--group', 'edge', '--xds', 'causeway:70000'],
      /invalid port "70000" in xDS address "causeway:70000": must be an integer from 1 to 65535/,
    ],
    [
      'admin port not a number',
      ['--group', 'edge', '--xds', 'a:1', '--admin-port', 'nine'],
      /invalid admin port "nine"/,
    ],
    ['admin port 0', ['--group', 'edge', '--xds', 'a:1', '--admin-port', '0'], /invalid admin port "0"/],
    ['bad zone', ['--group', 'edge', '--xds', 'a:1', '--zone', 'a zone'], /invalid zone "a zone"/],
    ['bad node id', ['--group', 'edge', '--xds', 'a:1', '--node-id', 'a b'], /invalid node id "a b"/],
    [
      'unknown output',
      ['--group', 'edge', '--xds', 'a:1', '-o', 'toml'],
      /argument 'toml' is invalid\. Allowed choices are yaml, json/,
    ],
    ['unknown flag', ['--group', 'edge', '--xds', 'a:1', '--grup', 'x'], /unknown option '--grup'/],
    [
      'TLS flags in part',
      ['--group', 'edge', '--xds', 'a:1', '--xds-tls-cert', '/tls/tls.crt'],
      /xDS mTLS needs .* missing --xds-tls-key, --xds-tls-ca, --xds-tls-sds-dir/,
    ],
    [
      'a server name without TLS',
      ['--group', 'edge', '--xds', 'a:1', '--xds-tls-server-name', 'causeway'],
      /--xds-tls-server-name needs the other --xds-tls-\* flags/,
    ],
    ['the same --xds twice', ['--group', 'edge', '--xds', 'a:1', '--xds', 'a:1'], /a:1 is given twice/],
  ])('%s: exits non-zero with a clear message', (_label, args, message) => {
    const r = run(...args);
    expect(r.error).toBeInstanceOf(CommanderError);
    expect(r.error?.exitCode).not.toBe(0);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });

  test('--help describes every flag', () => {
    const r = run('--help');
    expect(r.error?.code).toBe('commander.helpDisplayed');
    expect(r.error?.exitCode).toBe(0);
    for (const flag of [
      '--group <group>',
      '--xds <host:port>',
      '--node-id <id>',
      '--admin-port <port>',
      '--zone <zone>',
      '--region <region>',
      '--address <address>',
      '--cluster-stats',
      '-o, --output <format>',
      '--xds-tls-cert <file>',
      '--xds-tls-key <file>',
      '--xds-tls-ca <file>',
      '--xds-tls-sds-dir <dir>',
      '--xds-tls-server-name <name>',
    ]) {
      expect(r.out).toContain(flag);
    }
    expect(r.out).toMatch(/default: 9901/);
    expect(r.out).toMatch(/choices: "yaml", "json"/);
    expect(r.out).toMatch(/<group>-<hostname>/);
  });

  test('joins an existing gateway command instead of adding a second one', () => {
    const program = new Command('causeway');
    program.command('gateway').description('registered elsewhere').command('status');
    registerGatewayCommand(program);
    expect(program.commands.filter((c) => c.name() === 'gateway')).toHaveLength(1);
    expect(program.commands[0]?.commands.map((c) => c.name())).toEqual(['status', 'bootstrap']);
  });

  test('defaultNodeId', () => {
    expect(defaultNodeId('edge', 'Node-1.Example')).toBe('edge-node-1.example');
    expect(defaultNodeId('edge', 'host name')).toBe('edge-host-name');
  });
});
