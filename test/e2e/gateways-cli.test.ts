/**
 * `causeway gateways` as users run it (bin/causeway.js over dist/) against a real admin server with
 * simulated gateways: the table, `-o wide`, `-o json`, `--group`, drain/undrain, and the failures (bad
 * `-o`, unknown group or node, unreachable admin API) with their exit status.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { freePort } from '../support/ports.js';
import type { SimulatedFleet } from '../support/simulated-fleet.js';
import { startSimulatedFleet } from '../support/simulated-fleet.js';

const root = projectRoot();
const NACK = 'Error adding/updating listener(s) edge-http: bad filter';
/** A node id carrying a terminal escape sequence: the table must not pass it to the terminal. */
const ESCAPE_NODE = 'gw-\u001b[31mred';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI without blocking the event loop (the admin server answering it lives in this process). */
function causeway(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, 'bin', 'causeway.js'), ...args],
      { encoding: 'utf8', timeout: 30_000 },
      (err, stdout, stderr) => {
        const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

let fleet: SimulatedFleet;
let admin: string[];

beforeAll(async () => {
  if (!fs.existsSync(path.join(root, 'dist', 'src', 'cli', 'gateways.command.js'))) {
    throw new Error('dist/ is missing or stale: run `npm run build` before the end-to-end tests');
  }
  fleet = await startSimulatedFleet();
  admin = ['--admin-address', fleet.adminAddress];
  await fleet.connect({
    id: 'edge-1',
    cluster: 'edge',
    user_agent_name: 'envoy',
    user_agent_build_version: { version: { major_number: 1, minor_number: 40, patch: 0 } },
    locality: { zone: 'zone-a' },
    metadata: { fields: { 'causeway.dev/address': { stringValue: '192.0.2.11' } } },
  });
  await fleet.connect(
    { id: 'edge-2', cluster: 'edge', locality: { zone: 'zone-b' } },
    { nackListeners: NACK },
  );
  await fleet.connect({ id: 'internal-1', cluster: 'internal' });
  await fleet.connect({ id: ESCAPE_NODE, cluster: 'internal' });
}, 60_000);

afterAll(async () => {
  await fleet?.close();
});

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');
const columns = (line: string): string[] => line.split(/ {3,}/);

test('prints a kubectl-like table: NODE GROUP ZONE ADDRESS STATUS AGE', async () => {
  const r = await causeway('gateways', ...admin);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const [header, ...rows] = lines(r.stdout);
  expect(header).toMatch(/^NODE +GROUP +ZONE +ADDRESS +STATUS +AGE$/);
  expect(rows.map((l) => columns(l).slice(0, 5))).toEqual([
    ['edge-1', 'edge', 'zone-a', '192.0.2.11', 'in-sync'],
    ['edge-2', 'edge', 'zone-b', '127.0.0.1', 'rejecting'],
    ['gw- [31mred', 'internal', '-', '127.0.0.1', 'in-sync'],
    ['internal-1', 'internal', '-', '127.0.0.1', 'in-sync'],
  ]);
  expect(rows.every((l) => /\d+[smhd]$/.test(l))).toBe(true);
  expect(r.stdout).not.toContain('\u001b');
  // Columns line up: every row starts its GROUP column where the header does.
  const at = header!.indexOf('GROUP');
  expect(rows.every((l) => l.slice(at).startsWith(columns(l)[1]!))).toBe(true);
});

test('-o wide adds the Envoy version, stream, ACKed versions (short) and the last NACK', async () => {
  const api = (await (await fetch(`http://${fleet.adminAddress}/api/gateways`)).json()) as {
    groups: Array<{ name: string; versions: Record<string, string> }>;
  };
  const edgeVersions = api.groups.find((g) => g.name === 'edge')!.versions;
  const r = await causeway('gateways', '-o', 'wide', ...admin);
  expect(r.status).toBe(0);
  const [header, ...rows] = lines(r.stdout);
  expect(columns(header!)).toEqual([
    'NODE',
    'GROUP',
    'ZONE',
    'ADDRESS',
    'STATUS',
    'AGE',
    'ENVOY',
    'STREAM',
    'CLUSTER',
    'ENDPOINT',
    'SECRET',
    'LISTENER',
    'ROUTE',
    'LAST NACK',
  ]);
  const edge1 = columns(rows[0]!);
  expect(edge1.slice(6, 12)).toEqual([
    '1.40.0',
    'delta',
    edgeVersions['cluster']!.slice(0, 8),
    edgeVersions['endpoint']!.slice(0, 8),
    '-',
    edgeVersions['listener']!.slice(0, 8),
  ]);
  expect(edge1[13]).toBe('-');
  const edge2 = columns(rows[1]!);
  expect(edge2[11]).toBe('-'); // never ACKed a listener
  expect(edge2[13]).toBe(`listener: ${NACK}`);
});

test('-o json prints the admin API answer; --group keeps one group', async () => {
  const r = await causeway('gateways', '-o', 'json', ...admin);
  expect(r.status).toBe(0);
  const view = JSON.parse(r.stdout) as {
    summary: Record<string, number>;
    groups: Array<{ name: string; gateways: Array<{ nodeId: string; status: string }> }>;
  };
  expect(view.groups.map((g) => [g.name, g.gateways.map((x) => x.nodeId)])).toEqual([
    ['edge', ['edge-1', 'edge-2']],
    ['internal', [ESCAPE_NODE, 'internal-1']],
  ]);
  expect(view.summary).toMatchObject({ groups: 2, gateways: 4, rejecting: 1 });

  const internal = await causeway('gateways', '--group', 'internal', ...admin);
  expect(internal.status).toBe(0);
  expect(
    lines(internal.stdout)
      .slice(1)
      .map((l) => columns(l)[0]),
  ).toEqual(['gw- [31mred', 'internal-1']);
  const json = JSON.parse((await causeway('gateways', '--group', 'edge', '-o', 'json', ...admin)).stdout);
  expect(json.groups.map((g: { name: string }) => g.name)).toEqual(['edge']);
});

test('drain and undrain a gateway by node id; the registry shows it draining', async () => {
  const drained = await causeway('gateways', 'drain', 'internal-1', ...admin);
  expect(drained.stderr).toBe('');
  expect(drained.status).toBe(0);
  expect(drained.stdout).toBe('gateway internal-1 draining\n');
  const table = await causeway('gateways', '--group', 'internal', ...admin);
  expect(lines(table.stdout).find((l) => l.startsWith('internal-1'))).toMatch(/ draining /);
  const undrained = await causeway('gateways', 'undrain', 'internal-1', ...admin);
  expect(undrained.status).toBe(0);
  expect(undrained.stdout).toBe('gateway internal-1 not draining\n');
  expect(fleet.ads.connections().find((c) => c.nodeId === 'internal-1')?.draining).toBe(false);
});

test.each([
  [['gateways', '-o', 'yaml'], 2, /unknown output format "yaml": expected wide or json/],
  [['gateways', '--admin-address', 'nonsense'], 2, /invalid --admin-address "nonsense"/],
  [['gateways', '--group', 'nope'], 1, /unknown gateway group "nope"; known groups: edge, internal/],
  [['gateways', 'drain', 'no-such-node'], 1, /no gateway with node id "no-such-node"/],
])('causeway %j exits %i with a clear message', async (args, status, message) => {
  const withAdmin = args.includes('--admin-address') ? args : [...args, ...admin];
  const r = await causeway(...withAdmin);
  expect(r.status).toBe(status);
  expect(r.stderr).toMatch(message);
  expect(r.stdout).toBe('');
});

test('an unreachable admin API exits 1 naming the address', async () => {
  const port = await freePort();
  for (const args of [['gateways'], ['gateways', 'undrain', 'x']]) {
    const r = await causeway(...args, '--admin-address', `127.0.0.1:${port}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cannot reach the admin API at 127.0.0.1:${port} (connection refused)`);
  }
});

test('--help documents the flag contract; --admin-address defaults to the controller default', async () => {
  const r = await causeway('gateways', '--help');
  expect(r.status).toBe(0);
  for (const flag of ['--group', '-o, --output', '--admin-address', 'drain', 'undrain']) {
    expect(r.stdout).toContain(flag);
  }
  const adminDefault = (help: string): string | undefined =>
    /--admin-address <host:port>[\s\S]*?\(default:\s+"([^"]+)"\)/.exec(help)?.[1];
  const controller = adminDefault((await causeway('controller', '--help')).stdout);
  expect(controller).toMatch(/^[\d.]+:\d+$/);
  expect(adminDefault(r.stdout)).toBe(controller);
  expect(adminDefault((await causeway('gateways', 'drain', '--help')).stdout)).toBe(controller);
});
