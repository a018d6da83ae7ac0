/**
 * The admin API safe by default (issue 11, finding 5), through the real CLI and a real Envoy gateway:
 * `causeway controller` with the mutating API on 0.0.0.0 (off loopback) behind `--admin-token-file`, and
 * `causeway gateways drain|undrain`. A drain without the token, with a wrong one, or with a rebinding
 * `Host` (and matching `Origin`) is refused and the gateway's health listener keeps answering 200; with
 * the token (`--token-file`, then $CAUSEWAY_ADMIN_TOKEN) it drains (503) and undrains (200). The
 * controller refuses to start (exit 2, a message naming --admin-token-file) with a mutating API off
 * loopback and no token file. Refusals are logged by the `admin` component, never with the token.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { httpGet } from '../support/http-client.js';
import {
  INGRESS_CLASS,
  catchAllIngress,
  endpointSlice,
  service,
  tempDir,
  yamlDocs,
} from '../support/manifests.js';
import { freePorts } from '../support/ports.js';

const root = projectRoot();
const bin = path.join(root, 'bin', 'causeway.js');
const TOKEN = 'e2e-admin-token-6b1f0c9d2a7e4b38';
const NODE = 'gw-auth';

let dir: string;
let tokenFile: string;
let ports: { xds: number; admin: number; api: number; http: number; health: number };
let controller: ChildProcess | undefined;
let controllerOutput = '';
let gateway: EnvoyProcess | undefined;

interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const base = { ...process.env };
  delete base['CAUSEWAY_ADMIN_TOKEN'];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { encoding: 'utf8', timeout: 30_000, env: { ...base, ...env } },
      (err, stdout, stderr) => {
        const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${controllerOutput}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const health = async (): Promise<number> =>
  (await httpGet(`http://127.0.0.1:${ports.health}/healthz`, { timeoutMs: 2000 })).status;
/** `causeway gateways drain|undrain NODE` against the mutating API's port. */
const drainArgs = (verb: 'drain' | 'undrain'): string[] => [
  'gateways',
  verb,
  NODE,
  '--admin-address',
  `127.0.0.1:${ports.api}`,
];

beforeAll(async () => {
  if (!fs.existsSync(path.join(root, 'dist', 'src', 'admin', 'mutating-access.js'))) {
    throw new Error('dist/ is missing or stale: run `npm run build` before the end-to-end tests');
  }
  dir = tempDir('causeway-e2e-admin-auth-');
  const [xds = 0, admin = 0, apiPort = 0, http = 0, healthPort = 0] = await freePorts(5);
  ports = { xds, admin, api: apiPort, http, health: healthPort };
  const manifests = path.join(dir, 'manifests');
  fs.mkdirSync(manifests);
  fs.writeFileSync(
    path.join(manifests, 'app.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('web'),
      endpointSlice('web', [{ address: '127.0.0.1', port: 9 }]),
      catchAllIngress('web', 'web'),
    ),
  );
  const config = path.join(dir, 'causeway.yaml');
  fs.writeFileSync(config, `healthPort: ${healthPort}\n`);
  tokenFile = path.join(dir, 'admin-token');
  fs.writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  controller = spawn(
    process.execPath,
    [
      bin,
      'controller',
      '--manifests',
      manifests,
      '--config',
      config,
      '--xds-address',
      `127.0.0.1:${xds}`,
      '--admin-address',
      `127.0.0.1:${admin}`,
      '--admin-api-address',
      `0.0.0.0:${apiPort}`,
      '--admin-token-file',
      tokenFile,
      '--http-port',
      String(http),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  controller.stdout!.on('data', (c: Buffer) => (controllerOutput += c.toString()));
  controller.stderr!.on('data', (c: Buffer) => (controllerOutput += c.toString()));
  await until('the controller to be ready', async () => {
    return (await httpGet(`http://127.0.0.1:${admin}/readyz`, { timeoutMs: 1000 })).status === 200;
  });
  gateway = await startEnvoy({
    name: NODE,
    bootstrap: buildBootstrap({
      group: 'default',
      xdsHost: '127.0.0.1',
      xdsPort: xds,
      nodeId: NODE,
      adminPort: 0,
    }),
  });
  await until('the gateway health listener to answer 200', async () => (await health()) === 200);
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  if (controller && controller.exitCode === null) {
    const exited = new Promise((r) => controller!.once('close', r));
    controller.kill('SIGTERM');
    await exited;
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

test('the read-only admin address has no drain route when --admin-api-address is given', async () => {
  const r = await httpGet(`http://127.0.0.1:${ports.admin}/api/gateways/${NODE}/drain`, { method: 'POST' });
  expect(r.status).toBe(404);
  const fleet = await httpGet(`http://127.0.0.1:${ports.admin}/api/gateways`);
  expect(fleet.status).toBe(200);
  expect(fleet.body).toContain(NODE);
});

test('drain without the token (mutating API off loopback) is refused; the gateway keeps serving', async () => {
  const r = await cli(drainArgs('drain'));
  expect([r.status, r.stdout]).toEqual([1, '']);
  expect(r.stderr).toMatch(/needs a bearer token.*--token-file FILE or set \$CAUSEWAY_ADMIN_TOKEN/);
  const wrong = await cli(drainArgs('drain'), { CAUSEWAY_ADMIN_TOKEN: `${TOKEN}-wrong` });
  expect([wrong.status, wrong.stderr]).toEqual([1, expect.stringContaining('wrong bearer token')]);
  expect(await health()).toBe(200);
});

test('drain with a rebinding Host (and a matching Origin) is refused with 421, even with the token', async () => {
  const r = await httpGet(`http://127.0.0.1:${ports.api}/api/gateways/${NODE}/drain`, {
    method: 'POST',
    host: `rebind.example:${ports.api}`,
    headers: { origin: `http://rebind.example:${ports.api}`, authorization: `Bearer ${TOKEN}` },
  });
  expect(r.status).toBe(421);
  expect(JSON.parse(r.body)).toMatchObject({ code: 'CW_E_ADMIN_REFUSED' });
  expect(await health()).toBe(200);
});

test('drain with --token-file drains (health 503); undrain with $CAUSEWAY_ADMIN_TOKEN restores it', async () => {
  const drained = await cli([...drainArgs('drain'), '--token-file', tokenFile]);
  expect([drained.status, drained.stdout, drained.stderr]).toEqual([0, `gateway ${NODE} draining\n`, '']);
  await until('the health listener to answer 503', async () => (await health()) === 503);
  const fleet = await httpGet(`http://127.0.0.1:${ports.admin}/api/gateways`);
  expect(fleet.body).toMatch(/"draining":\s*true/);
  const undrained = await cli(drainArgs('undrain'), { CAUSEWAY_ADMIN_TOKEN: TOKEN });
  expect([undrained.status, undrained.stdout]).toEqual([0, `gateway ${NODE} not draining\n`]);
  await until('the health listener to answer 200 again', async () => (await health()) === 200);
});

test('the refusals are in the controller log (component admin, CW_E_ADMIN_REFUSED), the token never is', () => {
  const refused = controllerOutput
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e['code'] === 'CW_E_ADMIN_REFUSED');
  expect(refused.map((e) => [e['component'], e['status']])).toEqual([
    ['admin', 401],
    ['admin', 401],
    ['admin', 421],
  ]);
  expect(controllerOutput).not.toContain(TOKEN);
});

test.each([
  [
    ['--admin-api-address', '0.0.0.0:0'],
    /--admin-api-address, not a loopback address\) needs a bearer token: give --admin-token-file/,
  ],
  [
    ['--admin-address', '0.0.0.0:0'],
    /"0.0.0.0" \(--admin-address, which serves the admin API without --admin-api-address/,
  ],
])('the controller refuses a mutating API off loopback without a token file: %j', async (flags, message) => {
  const manifests = path.join(dir, 'manifests');
  const r = await cli(['controller', '--manifests', manifests, '--xds-address', '127.0.0.1:0', ...flags]);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).toMatch(/^causeway: /);
});
