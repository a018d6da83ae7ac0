/**
 * moto (`moto[server]` from PyPI, pinned in test/alb/setup-moto.sh and installed in `.tools/moto-<v>/`)
 * as the AWS endpoint of the ALB tests: one `moto_server` process on 127.0.0.1 serves ELBv2, EC2 and
 * ACM; the SDK clients point at it with `endpoint`, region us-east-1 and fake credentials.
 *
 *   const moto = await startMoto();
 *   const facts = await createAlbNetwork(moto.aws);   // VPC, 2 subnets in 2 AZs, ACM certificates
 *   ...
 *   await moto.stop();
 *
 * Known moto gaps (moto 5.2.5), worked around in the tests, never coded around in the product:
 * - targets are keyed by Id only: one IP registered on two ports collapses into one target;
 * - target health is `healthy` at once (no `initial`, no `draining`): the readiness-gate test rewrites
 *   DescribeTargetHealth answers through test/support/aws-fault-proxy.ts, for that test only;
 * - SetRulePriorities refuses a swap (two rules exchanging priorities in one call);
 * - AddTags: the issue text says moto takes at most 10 keys per call; moto 5.2.5 took 12 and 60 keys
 *   in one call on a fresh resource but refused 11 more on a resource with 12 (TooManyTagsException),
 *   well below AWS's 50 per resource. The applier sends 10 keys per call; the tests use few tags;
 * - a second CreateLoadBalancer with the same name creates a second load balancer (AWS returns the
 *   first): the applier looks the name up before creating;
 * - DescribeTags takes 20 ARNs (also more); tags on listeners and rules work; pagination markers are
 *   not returned (everything comes in one page).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ACMClient, ImportCertificateCommand } from '@aws-sdk/client-acm';
import { CreateSubnetCommand, CreateTagsCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { memoizeAsync } from '../../src/util/memoize-async.js';
import { generateCertificate } from './manifests.js';
import { freePort } from './ports.js';

/** How the SDK clients reach moto. */
export interface AwsTestEndpoint {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface RunningMoto {
  readonly port: number;
  readonly aws: AwsTestEndpoint;
  /** Drops every resource (moto's `/moto-api/reset`). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export const MOTO_REGION = 'us-east-1';
export const FAKE_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/** The environment a child process (e.g. the causeway CLI) needs to talk to moto. */
export function awsEnvFor(aws: AwsTestEndpoint): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: aws.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.credentials.secretAccessKey,
    AWS_REGION: aws.region,
  };
}

/** The `moto_server` binary, installed by test/alb/setup-moto.sh when missing (memoized per process). */
export const ensureMotoServer: () => Promise<string> = memoizeAsync(async () => {
  const script = path.join(projectRoot(), 'test', 'alb', 'setup-moto.sh');
  const r = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${script} failed (exit ${String(r.status)})`);
  const lines = r.stdout.trim().split('\n');
  return lines[lines.length - 1]!;
});

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${String(child.exitCode)}`);
    try {
      const res = await fetch(`${url}/moto-api/`);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${url} in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `moto_server` on 127.0.0.1 with a free port and waits until it answers. */
export async function startMoto(): Promise<RunningMoto> {
  const bin = await ensureMotoServer();
  const port = await freePort();
  const child = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, child, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    live.delete(child);
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return {
    port,
    aws: { endpoint: url, region: MOTO_REGION, credentials: { ...FAKE_CREDENTIALS } },
    async reset() {
      await fetch(`${url}/moto-api/reset`, { method: 'POST' });
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      live.delete(child);
    },
  };
}

/** What createAlbNetwork made. */
export interface AlbTestNetwork {
  readonly vpcId: string;
  /** Two subnets in two AZs, tagged `kubernetes.io/role/elb=1` and `kubernetes.io/role/internal-elb=1`. */
  readonly subnetIds: readonly string[];
  /** ACM certificates imported for `*.example.com` and `shop.test`. */
  readonly certificateArns: Readonly<Record<string, string>>;
}

/** Creates the VPC, two tagged subnets in two AZs and two ACM certificates on moto, through the SDK. */
export async function createAlbNetwork(aws: AwsTestEndpoint): Promise<AlbTestNetwork> {
  const config = { endpoint: aws.endpoint, region: aws.region, credentials: aws.credentials };
  const ec2 = new EC2Client(config);
  const acm = new ACMClient(config);
  try {
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    const vpcId = vpc.Vpc!.VpcId!;
    const subnetIds: string[] = [];
    for (const [i, az] of ['us-east-1a', 'us-east-1b'].entries()) {
      const s = await ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.0.${i}.0/24`, AvailabilityZone: az }),
      );
      subnetIds.push(s.Subnet!.SubnetId!);
    }
    await ec2.send(
      new CreateTagsCommand({
        Resources: subnetIds,
        Tags: [
          { Key: 'kubernetes.io/role/elb', Value: '1' },
          { Key: 'kubernetes.io/role/internal-elb', Value: '1' },
        ],
      }),
    );
    const certificateArns: Record<string, string> = {};
    for (const cn of ['*.example.com', 'shop.test']) {
      const { cert, key } = generateCertificate(cn);
      const out = await acm.send(
        new ImportCertificateCommand({ Certificate: Buffer.from(cert), PrivateKey: Buffer.from(key) }),
      );
      certificateArns[cn] = out.CertificateArn!;
    }
    return { vpcId, subnetIds: subnetIds.sort(), certificateArns };
  } finally {
    ec2.destroy();
    acm.destroy();
  }
}
