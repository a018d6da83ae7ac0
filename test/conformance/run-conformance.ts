/**
 * `npm run conformance` (run-conformance.main.ts): the upstream Gateway API conformance suite (v1.6.3), run as is against Causeway.
 *
 *   1. builds (once, cached) the suite binary: test/conformance/build-suite.sh;
 *   2. starts the cluster (test/conformance/cluster.ts: the cluster harness with a node agent);
 *   3. applies the Gateway API CRDs and the GatewayClass `causeway` (controllerName causeway.dev/gateway);
 *   4. starts the controller in Kubernetes mode, xDS in plaintext on the pod network's bridge address;
 *   5. starts the gateway provisioner (an Envoy per Gateway's gateway group, test/support/gateway-provisioner.ts);
 *   6. runs the suite with the kubeconfig and flags, writes its report (YAML) to docs/conformance/ and
 *      prints a summary table; the exit code is the suite's;
 *   7. with --expected-failures FILE (the CI step, `npm run conformance:ci`): checks the run against that
 *      list (expected-failures.ts); a failure not listed is run again alone once, in a fresh cluster, and
 *      fails the step only if it fails again; a listed test that passed is named (take it out of the list
 *      once it keeps passing: some known failures depend on the load). Exit 0 when nothing unexpected failed.
 *
 * Flags: --features first|core|planned|<comma list> (default first), --run-test NAME, --skip-tests A,B,
 * --report FILE (default docs/conformance/gateway-api-v1.6.3-causeway.yaml, or a temporary file with
 * --expected-failures), --expected-failures FILE, --debug; anything after `--`
 * goes to the suite as is (e.g. `-- -timeout-config-overrides=NamespacesMustBeReady:60`).
 * The suite's full output goes to a log file (its path is printed).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { runController, type RunningController } from '../../src/controller/app.js';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import {
  startGatewayProvisioner,
  CAUSEWAY_CONTROLLER_NAME,
  type GatewayProvisioner,
} from '../support/gateway-provisioner.js';
import { startConformanceCluster, type ConformanceCluster } from './cluster.js';
import { profilesFor, resolveFeatures } from './features.js';
import {
  conformanceVerdict,
  failedTestsOf,
  parseExpectedFailures,
  testsRunInLog,
} from './expected-failures.js';
import { applyGatewayApiCrds, GATEWAY_API_VERSION } from './gateway-api-crds.js';
import { summarizeConformanceReport } from './report-summary.js';

export const GATEWAY_CLASS = 'causeway';
const LEASE_NAMESPACE = 'causeway-system';
/** The report's implementation URL and contact (the suite requires both): placeholders until the project publishes its own. */
const PROJECT_URL = 'https://causeway.dev';
const PROJECT_CONTACT = 'maintainers@causeway.dev';

export interface ConformanceRunOptions {
  readonly features: readonly string[];
  readonly reportFile: string;
  readonly runTest?: string;
  readonly skipTests?: string;
  readonly debug: boolean;
  /** The list of tests known to fail (the CI step checks the run against it). */
  readonly expectedFailures?: string;
  /** More suite flags, given after `--` (e.g. `-timeout-config-overrides=...`). */
  readonly extraSuiteArgs: readonly string[];
}

export function parseOptions(argv: readonly string[]): ConformanceRunOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      features: { type: 'string', default: 'first' },
      'run-test': { type: 'string' },
      'skip-tests': { type: 'string' },
      report: { type: 'string' },
      'expected-failures': { type: 'string' },
      debug: { type: 'boolean', default: false },
    },
  });
  const reportName = `gateway-api-${GATEWAY_API_VERSION}-causeway.yaml`;
  const defaultReport =
    values['expected-failures'] !== undefined
      ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-conformance-report-')), reportName)
      : path.join(projectRoot(), 'docs', 'conformance', reportName);
  return {
    features: resolveFeatures(values.features),
    reportFile: path.resolve(values.report ?? defaultReport),
    ...(values['expected-failures'] !== undefined
      ? { expectedFailures: path.resolve(values['expected-failures']) }
      : {}),
    ...(values['run-test'] !== undefined ? { runTest: values['run-test'] } : {}),
    ...(values['skip-tests'] !== undefined ? { skipTests: values['skip-tests'] } : {}),
    debug: values.debug,
    extraSuiteArgs: positionals,
  };
}

/** Runs a command; resolves with its exit code and stdout (stderr passes through). */
function run(cmd: string, args: readonly string[], o: { env?: NodeJS.ProcessEnv; log?: string } = {}) {
  return new Promise<{ code: number; stdout: string }>((resolve, reject) => {
    const logStream = o.log ? fs.createWriteStream(o.log) : undefined;
    const child = spawn(cmd, [...args], { env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      if (logStream) logStream.write(c);
      else stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => (logStream ? logStream.write(c) : process.stderr.write(c)));
    child.once('error', reject);
    child.once('close', (code) => {
      logStream?.end();
      resolve({ code: code ?? 1, stdout });
    });
  });
}

/** The suite binary (built once by build-suite.sh, which prints its path last). */
export async function ensureConformanceSuite(): Promise<string> {
  const script = path.join(projectRoot(), 'test', 'conformance', 'build-suite.sh');
  const { code, stdout } = await run('bash', [script]);
  if (code !== 0) throw new Error(`${script} failed (exit ${String(code)}); its progress is above`);
  return stdout.trim().split('\n').pop() ?? '';
}

/** The suite's flags for these options (implementation details as the report wants them). */
export function suiteArgs(o: ConformanceRunOptions): string[] {
  const version = (
    JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string }
  ).version;
  return [
    '-test.run=^TestConformance$',
    '-test.v',
    '-test.timeout=90m',
    `-gateway-class=${GATEWAY_CLASS}`,
    `-supported-features=${o.features.join(',')}`,
    `-conformance-profiles=${profilesFor(o.features).join(',')}`,
    `-report-output=${o.reportFile}`,
    '-organization=causeway',
    '-project=causeway',
    `-url=${PROJECT_URL}`,
    `-version=v${version}`,
    `-contact=${PROJECT_CONTACT}`,
    '-cleanup-base-resources=true',
    `-debug=${String(o.debug)}`,
    ...(o.runTest !== undefined ? [`-run-test=${o.runTest}`] : []),
    ...(o.skipTests !== undefined ? [`-skip-tests=${o.skipTests}`] : []),
    ...o.extraSuiteArgs,
  ];
}

/** The GatewayClass the suite is given, and the namespace of the controller's leader Lease. */
async function createClassAndLeaseNamespace(kubeconfig: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const api = KubernetesObjectApi.makeApiClient(kc);
  await api.create({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: GATEWAY_CLASS },
    spec: { controllerName: CAUSEWAY_CONTROLLER_NAME },
  } as never);
  await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: LEASE_NAMESPACE } });
}

async function startImplementation(cluster: ConformanceCluster): Promise<{
  readonly controller: RunningController;
  readonly provisioner: GatewayProvisioner;
}> {
  await applyGatewayApiCrds(cluster.kubeconfig, 'standard');
  await createClassAndLeaseNamespace(cluster.kubeconfig);
  const controller = await runController({
    kubeconfig: cluster.kubeconfig,
    leaseNamespace: LEASE_NAMESPACE,
    // Plaintext xDS on the pod network's bridge address (never loopback-only: the gateways are pods).
    xdsAddress: `${cluster.network.gateway}:0`,
    xdsInsecure: true,
    adminAddress: '127.0.0.1:0',
    logLevel: 'warn',
    logDestination: 'stderr',
  });
  const provisioner = await startGatewayProvisioner({
    kubeconfig: cluster.kubeconfig,
    network: cluster.network,
    xdsHost: cluster.network.gateway,
    xdsPort: controller.xdsPort,
    log: (line) => console.error(`[provisioner] ${line}`),
  });
  return { controller, provisioner };
}

interface SuiteRun {
  readonly code: number;
  /** The report's text, when the suite wrote one. */
  readonly report?: string;
  /** The suite's full output. */
  readonly log: string;
}

/** One run of the suite in a fresh cluster with a fresh controller and gateways. */
async function runSuiteOnce(suite: string, o: ConformanceRunOptions): Promise<SuiteRun> {
  const cluster = await startConformanceCluster();
  const stops: (() => Promise<void>)[] = [() => cluster.stop()];
  try {
    const { controller, provisioner } = await startImplementation(cluster);
    stops.unshift(
      () => provisioner.stop(),
      () => controller.stop(),
    );
    fs.mkdirSync(path.dirname(o.reportFile), { recursive: true });
    fs.rmSync(o.reportFile, { force: true });
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-conformance-')), 'suite.log');
    console.error(`[conformance] running ${suite}; full output: ${log}`);
    const { code } = await run(suite, suiteArgs(o), {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig },
      log,
    });
    const report = fs.existsSync(o.reportFile) ? fs.readFileSync(o.reportFile, 'utf8') : undefined;
    if (report !== undefined) {
      console.log(summarizeConformanceReport(report));
      console.log(`\nreport: ${path.relative(process.cwd(), o.reportFile)}; suite log: ${log}`);
    } else {
      console.error(`[conformance] the suite wrote no report (exit ${String(code)}); see ${log}`);
    }
    return { code, log: fs.readFileSync(log, 'utf8'), ...(report !== undefined ? { report } : {}) };
  } finally {
    for (const stop of stops)
      await stop().catch((err: unknown) => console.error(`[conformance] stop: ${String(err)}`));
  }
}

/** More unexpected failures than this are a regression, not flakes: no reruns. */
const MAX_RERUNS = 3;

/** True when `test` ran alone in a fresh cluster and passed. */
async function passesAlone(suite: string, o: ConformanceRunOptions, test: string): Promise<boolean> {
  const reportFile = path.join(path.dirname(o.reportFile), `rerun-${test}.yaml`);
  const { report, log } = await runSuiteOnce(suite, { ...o, runTest: test, reportFile });
  return report !== undefined && testsRunInLog(log).includes(test) && !failedTestsOf(report).includes(test);
}

/** The CI step's verdict on a full run against the expected failures list: the exit code. */
async function checkAgainstExpected(
  suite: string,
  o: ConformanceRunOptions,
  first: SuiteRun,
): Promise<number> {
  const listFile = o.expectedFailures!;
  if (first.report === undefined) {
    console.error('[conformance] FAIL: the suite wrote no report');
    return 1;
  }
  const expected = parseExpectedFailures(fs.readFileSync(listFile, 'utf8'));
  const verdict = conformanceVerdict(failedTestsOf(first.report), testsRunInLog(first.log), expected);
  const regressions: string[] = [];
  for (const test of verdict.unexpected) {
    if (verdict.unexpected.length <= MAX_RERUNS && (await passesAlone(suite, o, test))) {
      console.error(
        `[conformance] ${test} failed in the full run and passed alone: flaky (see the first log)`,
      );
    } else regressions.push(test);
  }
  for (const test of regressions)
    console.error(`[conformance] FAIL: ${test} failed and is not in ${listFile}`);
  for (const test of verdict.nowPassing)
    console.error(
      `[conformance] NOTE: ${test} passed this time: take it out of ${listFile} if it keeps passing`,
    );
  const ok = regressions.length === 0;
  console.error(
    `[conformance] ${ok ? 'OK' : 'FAIL'}: ${String(testsRunInLog(first.log).length)} tests ran, ` +
      `${String(expected.length)} known failures listed`,
  );
  return ok ? 0 : 1;
}

export async function runConformance(o: ConformanceRunOptions): Promise<number> {
  const suite = await ensureConformanceSuite();
  const first = await runSuiteOnce(suite, o);
  return o.expectedFailures === undefined ? first.code : checkAgainstExpected(suite, o, first);
}
