/**
 * `causeway plan -f DIR --aws-endpoint URL` as users run it (bin/causeway.js over dist/), against moto:
 * a reviewer-readable plan from scratch (per IngressGroup, + / ~ / - lines, a summary), nothing applied;
 * "No changes" and exit 0 once a controller converged; `-o json` is the plan itself; exit 1 with a
 * clear message when AWS is unreachable or credentials are missing.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createAlbEdge } from '../../src/alb/reconcile/alb-reconciler-factory.js';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { albIngress, albService, ALB_CLASS, resourcesOf, writeManifests } from '../support/alb-fixtures.js';
import { freePort } from '../support/ports.js';
import { awsEnvFor, createAlbNetwork, startMoto, type RunningMoto } from '../support/moto-server.js';

let moto: RunningMoto;
let dir: string;

const OBJECTS = [
  ALB_CLASS,
  albIngress({
    name: 'shop',
    group: 'store',
    host: 'shop.example.com',
    paths: [{ path: '/cart', service: 'cart' }],
  }),
  albIngress({ name: 'blog', host: 'blog.example.com', paths: [{ path: '/', service: 'blog' }] }),
  ...albService('cart', ['10.0.1.10', '10.0.1.11']),
  ...albService('blog', ['10.0.3.10']),
];

function causeway(
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    const child = spawn(process.execPath, [path.join(projectRoot(), 'bin', 'causeway.js'), ...args], {
      // The SDK warns on stderr that its 2027 releases need Node 22; not this test's subject.
      env: {
        ...base,
        HOME: dir,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(projectRoot(), 'dist', 'src', 'cli', 'plan.command.js')))
    throw new Error('dist/ is missing or stale: run `npm run build` before the end-to-end tests');
  moto = await startMoto();
  await createAlbNetwork(moto.aws);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-plan-'));
  writeManifests(dir, OBJECTS);
}, 120_000);

afterAll(async () => {
  await moto?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('plans from scratch, readable per IngressGroup, and applies nothing', async () => {
  const r = await causeway(['plan', '-f', dir, '--aws-endpoint', moto.aws.endpoint], awsEnvFor(moto.aws));
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const lines = r.stdout.split('\n');
  expect(lines).toContain('IngressGroup default/blog: 5 changes');
  expect(lines.filter((l) => l.startsWith('IngressGroup '))).toHaveLength(2);
  expect(r.stdout).toMatch(/^ {2}\+ create-load-balancer +load balancer store\/lb\/0 \(/m);
  expect(r.stdout).toMatch(
    /^ {2}\+ register-targets +targets of .*: register 10\.0\.1\.10:8080, 10\.0\.1\.11:8080$/m,
  );
  expect(lines.at(-2)).toMatch(/^Plan: \d+ to add, 0 to change, 0 to remove, in 2 of 2 IngressGroups\.$/);
  // Nothing was applied: planning again gives the same text.
  const again = await causeway(['plan', '-f', dir, '--aws-endpoint', moto.aws.endpoint], awsEnvFor(moto.aws));
  expect(again.stdout).toBe(r.stdout);
});

test('after a controller converged: "No changes", exit 0; json is the plan itself', async () => {
  process.env['AWS_ACCESS_KEY_ID'] = moto.aws.credentials.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = moto.aws.credentials.secretAccessKey;
  const edge = createAlbEdge({ endpoint: moto.aws.endpoint, region: moto.aws.region, clusterName: 'local' });
  try {
    const applied = await edge.reconciler.reconcile(await resourcesOf(dir, OBJECTS));
    expect(applied.groups.every((g) => g.error === undefined)).toBe(true);
  } finally {
    edge.destroy();
  }
  const r = await causeway(['plan', '-f', dir, '--aws-endpoint', moto.aws.endpoint], awsEnvFor(moto.aws));
  expect(r.status).toBe(0);
  expect(r.stdout).toBe('No changes: 2 IngressGroups converged.\n');
  const json = await causeway(
    ['plan', '-f', dir, '--aws-endpoint', moto.aws.endpoint, '-o', 'json'],
    awsEnvFor(moto.aws),
  );
  expect(JSON.parse(json.stdout)).toEqual([
    { group: 'default/blog', plan: { changes: [] } },
    { group: 'store', plan: { changes: [] } },
  ]);
  // Another cluster name owns nothing there: everything would be created.
  const other = await causeway(
    ['plan', '-f', dir, '--aws-endpoint', moto.aws.endpoint, '--cluster-name', 'other'],
    awsEnvFor(moto.aws),
  );
  expect(other.stdout).toMatch(/in 2 of 2 IngressGroups\.$/m);
});

test('AWS unreachable, credentials missing: exit 1 with a clear message', async () => {
  const closed = `http://127.0.0.1:${await freePort()}`;
  const unreachable = await causeway(['plan', '-f', dir, '--aws-endpoint', closed], awsEnvFor(moto.aws));
  expect(unreachable.status).toBe(1);
  expect(unreachable.stderr).toMatch(
    new RegExp(`^causeway: cannot read AWS at ${closed}: .*ECONNREFUSED`, 'm'),
  );
  const noCredentials = await causeway(['plan', '-f', dir, '--aws-endpoint', moto.aws.endpoint], {
    AWS_REGION: 'us-east-1',
  });
  expect(noCredentials.status).toBe(1);
  expect(noCredentials.stderr).toMatch(
    /^causeway: cannot read AWS at .*: AWS credentials are missing or rejected/m,
  );
}, 60_000);
