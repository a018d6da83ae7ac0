/**
 * The controller's Dockerfile, checked without Docker (`docker build` cannot run here):
 * (a) dockerfile-utils' validator reports nothing, and our own rules hold (pinned base images of the
 *     engines' Node major, no `latest`, a non-root numeric USER, a HEALTHCHECK, a .dockerignore that keeps
 *     local installs, build output, tool caches and Git out);
 * (b) its stages' commands really run (test/support/dockerfile-stages.ts): the context is the Git files
 *     less .dockerignore's, `npm ci` (offline cache preferred), the build and the prune run in the build
 *     stage's folder, COPY --from copies between stages, and the final image's ENTRYPOINT prints the CLI's
 *     usage, runs the controller, and its HEALTHCHECK command passes against it (and fails without it).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import {
  dockerContextFiles,
  dockerignoreMatcher,
  emulateDockerfile,
  stageProcess,
  type EmulatedStage,
} from '../support/dockerfile-stages.js';
import { tempDir } from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { createTestCa, installTlsFiles } from '../support/tls-certs.js';

const ROOT = projectRoot();
const DOCKERFILE = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const DOCKERIGNORE = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

describe('Dockerfile lint', () => {
  const dockerfile = DockerfileParser.parse(DOCKERFILE);
  const froms = dockerfile.getFROMs();
  const stageNames = froms.map((f) => f.getBuildStage()).filter((n): n is string => n !== null);

  test('dockerfile-utils reports no error and no warning (and does report a broken copy)', () => {
    expect(validate(DOCKERFILE)).toEqual([]);
    // The validator is live: the same file with a COPY lacking its destination is reported.
    const broken = DOCKERFILE.replace(/^COPY bin \.\/bin$/m, 'COPY bin');
    expect(broken).not.toEqual(DOCKERFILE);
    expect(validate(broken).length).toBeGreaterThan(0);
  });

  test('base images are pinned to a full version of the engines Node major, never latest', () => {
    const major = /(\d+)/.exec(PACKAGE.engines.node)?.[1];
    const external = froms.filter((f) => !stageNames.includes(f.getImage() ?? ''));
    expect(external.length).toBeGreaterThanOrEqual(1);
    for (const from of external) {
      expect(from.getImageName()).toBe('node');
      const tag = from.getImageTag() ?? '';
      expect(tag).toMatch(new RegExp(`^${major ?? 'x'}\\.\\d+\\.\\d+-[a-z]+-slim$`));
      expect(from.getImage()).not.toMatch(/latest/);
    }
    // Build and runtime stages on the same base, so the native bits npm ci installs match at run time.
    expect(new Set(external.map((f) => f.getImage())).size).toBe(1);
    expect(DOCKERFILE).not.toMatch(/:latest\b/);
  });

  test('the image runs as a non-root numeric user, exposes xDS, admin and the admin API, and has a HEALTHCHECK', () => {
    const final = dockerfile
      .getInstructions()
      .filter((i) => i.getRange().start.line >= froms.at(-1)!.getRange().start.line);
    const users = final
      .filter((i) => i.getKeyword() === 'USER')
      .map((i) => i.getArgumentsContent()?.trim() ?? '');
    expect(users.length).toBe(1);
    const [uid, gid] = users[0]!.split(':');
    expect(uid).toMatch(/^[1-9]\d*$/); // numeric (runAsNonRoot can check it) and not 0
    expect(gid ?? '1').toMatch(/^[1-9]\d*$/);
    expect(final.some((i) => i.getKeyword() === 'HEALTHCHECK')).toBe(true);
    // EXPOSE names the ports the default CMD serves xDS, the admin server and the mutating admin API on.
    const exposed = final
      .filter((i) => i.getKeyword() === 'EXPOSE')
      .flatMap((i) => i.getArguments().map((a) => a.getValue()));
    const cmd = final.find((i) => i.getKeyword() === 'CMD')?.getArgumentsContent() ?? '';
    const cmdPorts = [...cmd.matchAll(/--(?:xds|admin|admin-api)-address", "[^"]*:(\d+)"/g)].map((m) => m[1]);
    expect(cmdPorts.length).toBe(3);
    // The mutating API is off loopback there, so the CMD names its token file (else the controller exits 2).
    expect(cmd).toMatch(
      /"--admin-api-address", "0\.0\.0\.0:\d+", "--admin-token-file", "\/etc\/causeway\/admin-token\/token"/,
    );
    expect(exposed.sort()).toEqual(cmdPorts.sort());
    expect(final.filter((i) => i.getKeyword() === 'ENTRYPOINT').length).toBe(1);
    // Dev tooling never reaches the runtime stage: it copies only from the build stage.
    for (const copy of final.filter((i) => i.getKeyword() === 'COPY')) {
      expect(copy.getArgumentsContent()).not.toMatch(/\bsrc\b|\btest\b/);
    }
  });

  test('.dockerignore keeps local installs, build output, tool caches and Git out of the context', () => {
    const ignored = dockerignoreMatcher(DOCKERIGNORE);
    for (const f of [
      'node_modules/yaml/package.json',
      'dist/src/cli/main.js',
      '.tools/envoy-1.40.0/x',
      '.git/HEAD',
    ]) {
      expect(ignored(f)).toBe(true);
    }
    expect(ignored('src/cli/main.ts')).toBe(false);
    expect(ignored('package-lock.json')).toBe(false);
    const context = dockerContextFiles(ROOT);
    expect(context).toContain('package-lock.json');
    expect(context.filter((f) => /^(node_modules|dist|\.tools|\.git)\//.test(f))).toEqual([]);
  });
});

describe('dockerignore patterns', () => {
  test('moby rules: ** across folders, folder patterns cover their contents, ! re-includes, last match wins', () => {
    const m = dockerignoreMatcher('# c\n**/*.test.ts\ndocs\n!docs/keep.md\n/out/*.js\n');
    expect(m('a.test.ts')).toBe(true);
    expect(m('src/x/a.test.ts')).toBe(true);
    expect(m('src/x/a.ts')).toBe(false);
    expect(m('docs/a/b.md')).toBe(true);
    expect(m('docs/keep.md')).toBe(false);
    expect(m('out/a.js')).toBe(true);
    expect(m('out/sub/a.js')).toBe(false); // * stays within one folder
    expect(m('other/out/a.js')).toBe(false);
  });
});

/** Runs `argv` in the final stage; resolves with its exit code and output. */
function runInStage(
  stage: EmulatedStage,
  argv: readonly string[],
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string }> {
  const p = stageProcess(stage, argv);
  return new Promise((resolve, reject) => {
    const child = spawn(p.command, p.args, { cwd: p.cwd, env: p.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('Dockerfile stages, emulated', () => {
  let stages: EmulatedStage[] = [];
  let image: EmulatedStage;
  let workDir = '';

  beforeAll(async () => {
    workDir = tempDir('causeway-docker-');
    stages = await emulateDockerfile({
      dockerfile: DOCKERFILE,
      context: ROOT,
      contextFiles: dockerContextFiles(ROOT),
      workDir,
      // npm's local cache, so CI does not download the packages again.
      runEnv: { npm_config_prefer_offline: 'true' },
    });
    image = stages.at(-1)!;
  }, 240_000);

  afterAll(() => {
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test("this machine's Node has the base image's major version (the emulation runs on it)", () => {
    const tag = /^node:(\d+)\./.exec(image.from)?.[1];
    expect(process.versions.node.split('.')[0]).toBe(tag);
  });

  test('the build stage ran npm ci, the build and the prune; the context left test files out', () => {
    const build = stages[0]!;
    expect(build.runs.join('\n')).toMatch(/npm ci/);
    expect(fs.existsSync(path.join(build.root, 'app/dist/src/cli/main.js'))).toBe(true);
    const copied = spawnSync('find', [path.join(build.root, 'app/src'), '-name', '*.test.ts'], {
      encoding: 'utf8',
    });
    expect(copied.stdout.trim()).toBe('');
    expect(fs.existsSync(path.join(build.root, 'app/src/cli/main.ts'))).toBe(true);
  });

  test('the image holds the compiled controller and production dependencies only', () => {
    const app = path.join(image.root, 'app');
    expect(fs.readdirSync(app).sort()).toEqual(['bin', 'dist', 'node_modules', 'package.json']);
    expect(fs.existsSync(path.join(app, 'dist/test'))).toBe(false);
    // package-lock.json says which installed packages are dev-only (`dev: true`) and which are needed at run time.
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }>;
    };
    const wrong: string[] = [];
    let dev = 0;
    let prod = 0;
    for (const [key, entry] of Object.entries(lock.packages)) {
      if (!key.startsWith('node_modules/')) continue;
      const present = fs.existsSync(path.join(app, key));
      if (entry.dev === true) {
        dev++;
        if (present) wrong.push(`dev dependency ${key} is in the image`);
      } else if (entry.optional !== true && entry.devOptional !== true) {
        prod++;
        if (!present) wrong.push(`production dependency ${key} is missing`);
      }
    }
    expect(wrong).toEqual([]);
    expect(dev).toBeGreaterThan(Object.keys(PACKAGE.devDependencies).length - 1);
    expect(prod).toBeGreaterThan(10);
    expect(fs.existsSync(path.join(app, 'node_modules/@grpc/grpc-js-xds/package.json'))).toBe(true);
    expect(image.user).toBe('1000:1000');
    expect(image.env['NODE_ENV']).toBe('production');
  });

  test('ENTRYPOINT --help prints the causeway usage', async () => {
    const r = await runInStage(image, [...image.entrypoint!, '--help']);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/^Usage: causeway /m);
    expect(r.output).toMatch(/\bcontroller\b/);
    expect(r.output).toMatch(/\bgateway\b/);
  });

  test('the image runs the controller, and its HEALTHCHECK passes against it and fails without it', async () => {
    const [xdsPort, adminPort, apiPort] = await freePorts(3);
    const manifests = tempDir('causeway-docker-manifests-');
    // The xDS mTLS files the default CMD names, laid out as a mounted Secret (test certificates).
    const ca = createTestCa();
    const server = ca.issueServer({ ips: ['127.0.0.1'] });
    const tlsDir = path.join(manifests, '..', `${path.basename(manifests)}-xds-tls`);
    installTlsFiles(tlsDir, { 'tls.crt': server.cert, 'tls.key': server.key, 'ca.crt': ca.caCert });
    // The admin API's token file the default CMD names, as a mounted Secret would hold it.
    const tokenFile = path.join(tlsDir, 'admin-token');
    fs.writeFileSync(tokenFile, 'docker-test-admin-token-0123456789\n');
    // The default CMD with the addresses moved to 127.0.0.1 and free ports (tests stay on loopback).
    const cmd = image.cmd!.map((a) =>
      a === '/etc/causeway/manifests'
        ? manifests
        : a.startsWith('/etc/causeway/xds-tls/')
          ? path.join(tlsDir, path.basename(a))
          : a.endsWith(':18000')
            ? `127.0.0.1:${String(xdsPort)}`
            : a.endsWith(':19000')
              ? `127.0.0.1:${String(adminPort)}`
              : a.endsWith(':19001')
                ? `127.0.0.1:${String(apiPort)}`
                : a === '/etc/causeway/admin-token/token'
                  ? tokenFile
                  : a,
    );
    expect(cmd).toContain(`127.0.0.1:${String(adminPort)}`);
    const health = image.healthcheck!;
    expect(health.join(' ')).toContain('127.0.0.1:19000/healthz');
    const probe = health.map((a) => a.replace('127.0.0.1:19000', `127.0.0.1:${String(adminPort)}`));

    // Nothing listens yet: the check fails.
    expect((await runInStage(image, probe)).code).not.toBe(0);

    const p = stageProcess(image, [...image.entrypoint!, ...cmd]);
    const controller = spawn(p.command, p.args, {
      cwd: p.cwd,
      env: p.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    controller.stdout.on('data', (c: Buffer) => (output += c.toString()));
    controller.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => controller.once('close', resolve));
    try {
      let code: number | null = 1;
      for (let i = 0; i < 60 && code !== 0 && controller.exitCode === null; i++) {
        code = (await runInStage(image, probe)).code;
        if (code !== 0) await new Promise((r) => setTimeout(r, 250));
      }
      expect([code, controller.exitCode === null ? 'running' : output]).toEqual([0, 'running']);
      // The mutating API is up on its own port and asks for the token.
      const drain = await fetch(`http://127.0.0.1:${String(apiPort)}/api/gateways/gw/drain`, {
        method: 'POST',
      });
      expect(drain.status).toBe(401);
    } finally {
      controller.kill('SIGTERM');
      expect(await exited).toBe(0);
      fs.rmSync(manifests, { recursive: true, force: true });
      fs.rmSync(tlsDir, { recursive: true, force: true });
      ca.remove();
    }
  }, 60_000);
});
