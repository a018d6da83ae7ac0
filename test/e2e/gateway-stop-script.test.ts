/**
 * gateways/causeway-gateway-stop.sh against a real Envoy gateway (standalone controller, health listener
 * on): the health check fails at once (503) while requests are still served, a request in flight
 * through the whole drain completes, the listeners close after the drain, and the script exits 0. With
 * only wget on the PATH it works the same; an unreachable admin and bad flags exit non-zero with a clear
 * message.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runController, type RunningController } from '../../src/controller/app.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { httpGet } from '../support/http-client.js';
import {
  endpointSlice,
  INGRESS_CLASS,
  service,
  tempDir,
  yamlDocs,
  catchAllIngress,
} from '../support/manifests.js';
import { freePorts } from '../support/ports.js';

const SCRIPT = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'gateways',
  'causeway-gateway-stop.sh',
);
const SLOW_MS = 2500;

let dir: string;
let backend: http.Server;
let controller: RunningController | undefined;
const envoys: EnvoyProcess[] = [];
let httpPort: number;
let healthPort: number;

interface ScriptRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

function runScript(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn('/bin/sh', [SCRIPT, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 }));
  });
}

/** A PATH with wget and sleep but no curl. */
function wgetOnlyPath(): string {
  const bin = path.join(dir, 'wget-only-bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const tool of ['wget', 'sleep', 'cat']) {
    const target = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
    if (!target) throw new Error(`${tool} is not installed`);
    if (!fs.existsSync(path.join(bin, tool))) fs.symlinkSync(target, path.join(bin, tool));
  }
  return bin;
}

async function startGateway(name: string): Promise<EnvoyProcess> {
  const gw = await startEnvoy({
    name,
    bootstrap: buildBootstrap({
      group: 'default',
      xdsHost: '127.0.0.1',
      xdsPort: controller!.xdsPort,
      nodeId: name,
      adminPort: 0,
    }),
  });
  envoys.push(gw);
  await gw.waitForListener(healthPort);
  await gw.waitForListener(httpPort);
  return gw;
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-stop-script-');
  backend = http.createServer((req, res) => {
    const answer = (): void => {
      res.setHeader('x-echo-backend', 'web');
      res.end(`answered ${req.url ?? ''}\n`);
    };
    if (req.url === '/slow') setTimeout(answer, SLOW_MS);
    else answer();
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backendPort = (backend.address() as net.AddressInfo).port;
  [httpPort, healthPort] = (await freePorts(2)) as [number, number];
  const manifests = path.join(dir, 'manifests');
  fs.mkdirSync(manifests);
  fs.writeFileSync(
    path.join(manifests, 'app.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('web'),
      endpointSlice('web', [{ address: '127.0.0.1', port: backendPort }]),
      catchAllIngress('web', 'web'),
    ),
  );
  const config = path.join(dir, 'causeway.yaml');
  fs.writeFileSync(config, `healthPort: ${healthPort}\n`);
  controller = await runController({
    manifests,
    config,
    xdsAddress: '127.0.0.1:0',
    adminAddress: '127.0.0.1:0',
    httpPort,
    logLevel: 'silent',
  });
}, 60_000);

afterAll(async () => {
  for (const e of envoys) await e.stop();
  await controller?.stop();
  await new Promise<void>((resolve) => backend?.close(() => resolve()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('fails the health check, serves in-flight and new requests while draining, closes the listeners, exits 0', async () => {
  const gw = await startGateway('stop-script-curl');
  const healthz = `http://127.0.0.1:${healthPort}/healthz`;
  expect((await httpGet(healthz)).status).toBe(200);

  const inFlight = httpGet(`http://127.0.0.1:${httpPort}/slow`, { timeoutMs: 10_000 });
  await new Promise((r) => setTimeout(r, 200));
  const script = runScript([
    '--admin',
    `127.0.0.1:${gw.adminPort}`,
    '--fail-seconds',
    '1',
    '--drain-seconds',
    '1',
  ]);
  await new Promise((r) => setTimeout(r, 300));
  // Within --fail-seconds: the LB sees 503, traffic that still comes is served (and told to close).
  expect((await httpGet(healthz)).status).toBe(503);
  const during = await httpGet(`http://127.0.0.1:${httpPort}/`);
  expect(during.status).toBe(200);
  expect(during.headers['connection']).toBe('close');

  const run = await script;
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/health check failed on purpose; waiting 1s/);
  expect(run.stdout).toMatch(/draining listeners; waiting 1s/);
  expect(run.ms).toBeGreaterThanOrEqual(2000);

  const slow = await inFlight;
  expect(slow.status).toBe(200);
  expect(slow.body).toBe('answered /slow\n');
  // After Envoy's drain time the listeners are closed: the LB's checks keep failing; Envoy is still up
  // for the service manager to stop.
  await expect(httpGet(healthz, { timeoutMs: 2000 })).rejects.toThrow(/ECONNREFUSED/);
  expect((await gw.admin('/ready')).body.trim()).toBe('DRAINING');
  await gw.stop();
}, 60_000);

test('works with wget when curl is not installed', async () => {
  const gw = await startGateway('stop-script-wget');
  const run = await runScript(
    ['--admin', `127.0.0.1:${gw.adminPort}`, '--fail-seconds', '0', '--drain-seconds', '0'],
    { ...process.env, PATH: wgetOnlyPath() },
  );
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect((await httpGet(`http://127.0.0.1:${healthPort}/healthz`)).status).toBe(503);
  expect((await gw.admin('/ready')).body.trim()).toBe('DRAINING');
  await gw.stop();
}, 60_000);

test('an unreachable admin exits 3 with a clear message (curl and wget); bad flags exit 2', async () => {
  const [closedPort] = (await freePorts(1)) as [number];
  for (const env of [process.env, { ...process.env, PATH: wgetOnlyPath() }]) {
    const run = await runScript(['--admin', `127.0.0.1:${closedPort}`, '--fail-seconds', '0'], env);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`cannot reach Envoy's admin at http://127.0.0.1:${closedPort}`);
  }
  for (const args of [['--fail-seconds', 'soon'], ['--admin', 'nohostport'], ['--bogus']]) {
    const run = await runScript(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^causeway-gateway-stop: /);
  }
  const help = await runScript(['--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('--drain-seconds N');
});
