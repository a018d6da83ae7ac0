/**
 * ALB mode benchmark against moto (`npm run bench`): 1,000 Ingresses in 20 IngressGroups (50 hosts,
 * 50 target groups, 2 pod IPs each per group). Measures, through the real AWS edge (gateway, reader,
 * applier) and the same reconciler the controller runs:
 *   - time to converge from cold (a first reconcile that creates everything, plus the reconcile that
 *     re-reads the changed groups and finds nothing left to do), with the AWS calls it took;
 *   - AWS calls for a single endpoint change (one pod added to one Service);
 *   - calls, and mutating calls (must be 0), of a no-op resync, and of a controller restart (which
 *     must read no attributes: the digest tags vouch for them, see src/alb/model/attributes-digest.ts).
 * moto answers without AWS's rate limits, so the rate limits are lifted for the measured run; the
 * time the default client-side rates would impose on the same calls is printed beside it (a lower
 * bound: the busiest call family's calls beyond its burst, divided by its rate).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAlbEdge, type AlbEdge } from '../../src/alb/reconcile/alb-reconciler-factory.js';
import type { AwsCallCounts } from '../../src/alb/aws/aws-metrics.js';
import {
  CALL_FAMILIES,
  classify,
  DEFAULT_RATE_LIMITS,
  type CallFamily,
} from '../../src/alb/aws/call-families.js';
import type { ResourceSet } from '../../src/resources/resource-set.js';
import { albIngress, albService, ALB_CLASS, resourcesOf } from '../support/alb-fixtures.js';
import { createAlbNetwork, startMoto } from '../support/moto-server.js';
import { round, table } from './bench-harness.js';

const INGRESSES = Number(process.env['ALB_BENCH_INGRESSES'] ?? 1000);
const GROUPS = Number(process.env['ALB_BENCH_GROUPS'] ?? 20);
const UNLIMITED = Object.fromEntries(CALL_FAMILIES.map((f) => [f, { ratePerSecond: 1e6, burst: 1e6 }]));

function ips(i: number, extra = 0): string[] {
  const base = `10.${10 + Math.floor(i / 200)}.${i % 200}`;
  return Array.from({ length: 2 + extra }, (_, k) => `${base}.${k + 1}`);
}

function objects(extraFor0 = 0): object[] {
  const out: object[] = [ALB_CLASS];
  for (let i = 0; i < INGRESSES; i++) {
    out.push(
      albIngress({
        name: `app-${i}`,
        group: `g-${i % GROUPS}`,
        host: `app-${i}.example.com`,
        paths: [{ path: '/', service: `svc-${i}` }],
      }),
      ...albService(`svc-${i}`, ips(i, i === 0 ? extraFor0 : 0)),
    );
  }
  return out;
}

function delta(
  a: AwsCallCounts,
  b: AwsCallCounts,
): { total: number; mutating: number; byOperation: Record<string, number> } {
  const byOperation: Record<string, number> = {};
  for (const [op, n] of Object.entries(b.byOperation)) {
    const d = n - (a.byOperation[op] ?? 0);
    if (d > 0) byOperation[op] = d;
  }
  return { total: b.total - a.total, mutating: b.mutating - a.mutating, byOperation };
}

/** Seconds the default token buckets need at least for these calls (the busiest family). */
function modeledSeconds(byOperation: Record<string, number>): { seconds: number; family: CallFamily | '-' } {
  const perFamily = new Map<CallFamily, number>();
  for (const [op, n] of Object.entries(byOperation)) {
    const service =
      op === 'DescribeSubnets' ? 'ec2' : /Certificate/.test(op) && !/Listener/.test(op) ? 'acm' : 'elbv2';
    const f = classify(service, op).family;
    perFamily.set(f, (perFamily.get(f) ?? 0) + n);
  }
  let best: { seconds: number; family: CallFamily | '-' } = { seconds: 0, family: '-' };
  for (const [f, n] of perFamily) {
    const { ratePerSecond, burst } = DEFAULT_RATE_LIMITS[f];
    const s = Math.max(0, n - burst) / ratePerSecond;
    if (s > best.seconds) best = { seconds: s, family: f };
  }
  return best;
}

async function reconcile(
  edge: AlbEdge,
  rs: ResourceSet,
): Promise<{ ms: number; planned: number; errors: string[] }> {
  const t0 = performance.now();
  const r = await edge.reconciler.reconcile(rs);
  return {
    ms: performance.now() - t0,
    planned: r.groups.reduce((n, g) => n + g.planned, 0),
    errors: r.groups.filter((g) => g.error).map((g) => `${g.group}: ${g.error}`),
  };
}

async function main(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const moto = await startMoto();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-alb-bench-'));
  const edges: AlbEdge[] = [];
  try {
    await createAlbNetwork(moto.aws);
    process.env['AWS_ACCESS_KEY_ID'] = moto.aws.credentials.accessKeyId;
    process.env['AWS_SECRET_ACCESS_KEY'] = moto.aws.credentials.secretAccessKey;
    const mk = (): AlbEdge => {
      const e = createAlbEdge({
        endpoint: moto.aws.endpoint,
        region: moto.aws.region,
        clusterName: 'bench',
        rateLimits: UNLIMITED,
      });
      edges.push(e);
      return e;
    };
    const base = await resourcesOf(dir, objects());
    const edge = mk();
    const rows: string[][] = [['measure', 'time', 'AWS calls', 'mutating', 'at default rates (>=)']];
    const row = (name: string, ms: number, d: ReturnType<typeof delta>): void => {
      const m = modeledSeconds(d.byOperation);
      rows.push([
        name,
        `${round(ms / 1000, 2)} s`,
        String(d.total),
        String(d.mutating),
        m.family === '-' ? '-' : `${round(m.seconds, 1)} s (${m.family})`,
      ]);
    };

    // Cold: create everything, then the reconcile that re-reads and finds nothing to do.
    let c0 = edge.gateway.counts();
    const first = await reconcile(edge, base);
    const second = await reconcile(edge, base);
    if (first.errors.length + second.errors.length > 0)
      throw new Error(`reconcile failed: ${[...first.errors, ...second.errors].join('; ')}`);
    if (second.planned !== 0)
      throw new Error(`not converged after the cold start: ${second.planned} changes left`);
    const cold = delta(c0, edge.gateway.counts());
    row(
      `cold start: ${INGRESSES} Ingresses, ${GROUPS} groups (${first.planned} changes)`,
      first.ms + second.ms,
      cold,
    );

    // A no-op resync.
    c0 = edge.gateway.counts();
    const noop = await reconcile(edge, base);
    const noopCalls = delta(c0, edge.gateway.counts());
    row('no-op resync', noop.ms, noopCalls);

    // Single endpoint changes: one pod added to svc-0, then removed; five times.
    const endpointCalls: number[] = [];
    const endpointMs: number[] = [];
    const withExtra = await resourcesOf(dir, objects(1));
    for (let k = 0; k < 5; k++) {
      for (const rs of [withExtra, base]) {
        c0 = edge.gateway.counts();
        const r = await reconcile(edge, rs);
        const d = delta(c0, edge.gateway.counts());
        if (r.planned !== 1) throw new Error(`an endpoint change planned ${r.planned} changes, expected 1`);
        endpointCalls.push(d.total);
        endpointMs.push(r.ms);
        if (k === 0 && rs === withExtra) row('single endpoint change (pod added)', r.ms, d);
        if (k === 0 && rs === base) row('single endpoint change (pod removed)', r.ms, d);
      }
    }

    // Restart: a fresh controller over the converged account.
    const restarted = mk();
    c0 = restarted.gateway.counts();
    const restart = await reconcile(restarted, base);
    const restartCalls = delta(c0, restarted.gateway.counts());
    row('controller restart (re-read by tags, plan)', restart.ms, restartCalls);
    if (restart.planned !== 0) throw new Error(`restart planned ${restart.planned} changes`);

    process.stdout.write(`\n${table(rows)}\n\n`);
    process.stdout.write(
      `AWS calls per single endpoint change: ${Math.min(...endpointCalls)}-${Math.max(...endpointCalls)} ` +
        `(${endpointCalls.length} changes; the cached actual state is patched, nothing is re-read).\n` +
        `Mutating calls on a no-op resync: ${noopCalls.mutating} (calls of any kind: ${noopCalls.total}); ` +
        `on a restart: ${restartCalls.mutating}.\n` +
        `Restart reads: ${Object.entries(restartCalls.byOperation)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([op, n]) => `${op} ${n}`)
          .join(', ')}.\n` +
        `moto on 127.0.0.1, ` +
        `client rate limits lifted for the measured times; "at default rates" is the lower bound the default ` +
        `token buckets (docs/alb-operations.md) would put on the same calls.\n`,
    );
    const attributeReads =
      (restartCalls.byOperation['DescribeTargetGroupAttributes'] ?? 0) +
      (restartCalls.byOperation['DescribeLoadBalancerAttributes'] ?? 0);
    process.stdout.write(`Attribute reads on a restart: ${attributeReads}.\n`);
    if (noopCalls.mutating !== 0 || restartCalls.mutating !== 0 || attributeReads !== 0) process.exitCode = 1;
  } finally {
    for (const e of edges) e.destroy();
    await moto.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    process.stderr.write(
      `alb-bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
