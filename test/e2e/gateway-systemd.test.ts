/**
 * The gateway's systemd unit (gateways/systemd/causeway-gateway.service), without a running systemd:
 * - `systemd-analyze verify` accepts it with no warning (its executables mapped to the real Envoy and the
 *   repository's stop script), and does warn about a broken copy;
 * - `systemd-analyze security --offline` rates its exposure at most 2.0 of 10;
 * - the hardening the install notes promise is there, and the stop timing holds together;
 * - the bootstrap command of gateways/README.md, then the unit's ExecStart (a real Envoy 1.40) and its
 *   ExecStop (the stop script, waits shortened) run: the gateway fails its health check and drains.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureEnvoy, projectRoot } from '../../src/tools/envoy-binary.js';
import {
  STOP_SCRIPT,
  flagValue,
  runBootstrapCommand,
  runStopScript,
  startPackagedEnvoy,
  withFlagValues,
  type PackagedEnvoy,
} from '../support/gateway-packaging.js';
import { tempDir } from '../support/manifests.js';
import { freePorts } from '../support/ports.js';

const ROOT = projectRoot();
const UNIT_FILE = path.join(ROOT, 'gateways', 'systemd', 'causeway-gateway.service');
const UNIT = fs.readFileSync(UNIT_FILE, 'utf8');
const README = fs.readFileSync(path.join(ROOT, 'gateways', 'README.md'), 'utf8');

/** The unit's `Key=value` settings by section (a key may repeat), comments and blank lines skipped. */
function parseUnit(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    const key = `${section}.${line.slice(0, eq)}`;
    settings.set(key, [...(settings.get(key) ?? []), line.slice(eq + 1)]);
  }
  return settings;
}

const unit = parseUnit(UNIT);
function one(key: string): string {
  const values = unit.get(key) ?? [];
  if (values.length !== 1) throw new Error(`expected one ${key}, found ${String(values.length)}`);
  return values[0]!;
}
const execStart = one('Service.ExecStart').split(/\s+/);
const execStop = one('Service.ExecStop').split(/\s+/);

/** A copy of the unit whose ExecStart/ExecStop executables exist on this machine. */
async function mappedUnit(dir: string, extra = ''): Promise<string> {
  const file = path.join(dir, 'causeway-gateway.service');
  const text = UNIT.replace(`ExecStart=${execStart[0]!}`, `ExecStart=${fs.realpathSync(await ensureEnvoy())}`)
    .replace(`ExecStop=${execStop[0]!}`, `ExecStop=${STOP_SCRIPT}`)
    .replace('[Install]', `${extra}[Install]`);
  fs.writeFileSync(file, text);
  return file;
}

function systemdAnalyze(args: readonly string[]): { status: number | null; output: string } {
  const r = spawnSync('systemd-analyze', args, { encoding: 'utf8' });
  if (r.error)
    throw new Error(`systemd-analyze is needed for this test (apt-get install systemd): ${r.error.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('gateways/systemd/causeway-gateway.service', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir('causeway-unit-');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('systemd-analyze verify accepts it without a warning (and warns about a broken copy)', async () => {
    const file = await mappedUnit(dir);
    expect(systemdAnalyze(['verify', file])).toEqual({ status: 0, output: '' });
    const broken = await mappedUnit(fs.mkdtempSync(path.join(dir, 'broken-')), 'NoSuchSetting=1\n');
    expect(systemdAnalyze(['verify', broken]).output).toMatch(/Unknown key 'NoSuchSetting'/);
  });

  test('systemd-analyze security rates its exposure at most 2.0', async () => {
    const file = await mappedUnit(dir);
    const r = systemdAnalyze(['security', '--offline=yes', '--no-pager', file]);
    const exposure = /Overall exposure level for \S+: ([\d.]+)/.exec(r.output)?.[1];
    expect(exposure).toBeDefined();
    expect(Number(exposure)).toBeLessThanOrEqual(2.0);
  });

  test('hardening: a dedicated user, only CAP_NET_BIND_SERVICE, read-only system, restart always, many files', () => {
    const user = unit.get('Service.User')?.[0];
    expect(user === undefined ? one('Service.DynamicUser') : user).toMatch(/^(yes|causeway-gateway)$/);
    expect(one('Service.AmbientCapabilities')).toBe('CAP_NET_BIND_SERVICE');
    expect(one('Service.CapabilityBoundingSet')).toBe('CAP_NET_BIND_SERVICE');
    expect(one('Service.NoNewPrivileges')).toBe('yes');
    expect(one('Service.ProtectSystem')).toBe('strict');
    expect(one('Service.Restart')).toBe('always');
    expect(Number(one('Service.LimitNOFILE'))).toBeGreaterThanOrEqual(65536);
    expect(one('Install.WantedBy')).toBe('multi-user.target');
  });

  test('stop timing: TimeoutStopSec outlasts the stop script; Envoy drains as long as it waits', () => {
    expect(path.basename(execStop[0]!)).toBe(path.basename(STOP_SCRIPT));
    const fail = Number(flagValue(execStop, '--fail-seconds'));
    const drain = Number(flagValue(execStop, '--drain-seconds'));
    expect(fail).toBeGreaterThan(0);
    expect(Number(one('Service.TimeoutStopSec'))).toBeGreaterThan(fail + drain);
    expect(Number(flagValue(execStart, '--drain-time-s'))).toBe(drain);
    expect(execStart).toContain('--disable-hot-restart');
  });

  test("the README's bootstrap command, ExecStart and ExecStop run a real gateway and drain it", async () => {
    // The install notes' bootstrap command (step 2), on loopback: xDS to a port nothing listens on.
    const line = README.split('\n').find((l) =>
      /^\s*causeway gateway bootstrap .*> \/etc\/causeway\/gateway\//.test(l),
    );
    expect(line).toBeDefined();
    const [command, target] = line!.trim().split(/\s+>\s+/);
    expect(target).toBe(flagValue(execStart, '--config-path'));
    const readmeArgs = command!
      .replace('$(hostname)', 'vm-1')
      .split(/\s+/)
      .slice(3)
      .map((a) => a.replace(/^"(.*)"$/, '$1'));
    // The admin port the README gives is the one ExecStop calls.
    expect(flagValue(execStop, '--admin')).toBe(`127.0.0.1:${flagValue(readmeArgs, '--admin-port') ?? '?'}`);

    const [xdsPort = 0, adminPort = 0] = await freePorts(2);
    const bootstrap = runBootstrapCommand(
      withFlagValues(readmeArgs, {
        '--xds': `127.0.0.1:${String(xdsPort)}`,
        '--admin-port': String(adminPort),
      }),
    );
    expect(bootstrap.node.id).toBe('edge-vm-1');
    const bootstrapFile = path.join(dir, 'envoy.yaml');
    fs.writeFileSync(bootstrapFile, bootstrap.text);

    let envoy: PackagedEnvoy | undefined;
    try {
      envoy = await startPackagedEnvoy(
        withFlagValues(execStart.slice(1), { '--config-path': bootstrapFile }),
        adminPort,
      );
      expect(await envoy.serverLive()).toBe('1');
      const stopped = await runStopScript(
        withFlagValues(execStop.slice(1), {
          '--admin': `127.0.0.1:${String(adminPort)}`,
          '--fail-seconds': '0',
          '--drain-seconds': '0',
        }),
      );
      expect([stopped.code, stopped.output]).toEqual([0, expect.stringContaining('drained')]);
      expect(await envoy.serverLive()).toBe('0');
    } finally {
      envoy?.kill();
    }
  }, 60_000);
});
