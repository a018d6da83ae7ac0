/**
 * Runs a Dockerfile's stages without Docker, for tests where `docker build` cannot run: each stage gets a
 * folder that stands for its root filesystem; COPY copies from the build context (the Git files, less what
 * `.dockerignore` excludes) or from an earlier stage's folder; RUN runs its shell command with `sh -c` in
 * the stage's WORKDIR with the stage's ENV; the final image's ENTRYPOINT/CMD can then be run the same way.
 *
 * What the base image provides (node, npm, sh) comes from this machine, so the test that uses this checks
 * that the machine's Node has the base image's major version. Instructions this emulator does not model
 * (ADD, ARG, SHELL, VOLUME, ONBUILD, RUN flags, COPY globs, variables) fail loudly instead of being
 * skipped, and a RUN that names an absolute path is refused (it would touch this machine, not the stage).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import type { Copy, Healthcheck, Instruction, Env } from 'dockerfile-ast';

// ---------------------------------------------------------------------------------------------------
// The build context

/**
 * A `.dockerignore` as a predicate on context-relative paths (moby's patternmatcher rules): `*` and `?`
 * within one path segment, `**` across segments, a pattern matching a folder excludes all below it, `!`
 * re-includes, the last matching pattern wins. Blank lines and `#` comments are ignored.
 */
export function dockerignoreMatcher(text: string): (file: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = path.posix.normalize((negate ? l.slice(1) : l).trim()).replace(/^\/+|\/+$/g, '');
      return { negate, regex: globRegex(pattern) };
    });
  return (file: string): boolean => {
    const segments = file.split('/');
    // The path itself and each folder above it.
    const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((c) => rule.regex.test(c))) excluded = !rule.negate;
    }
    return excluded;
  };
}

function globRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (pattern.startsWith('**/', i)) {
      re += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      re += '.*';
      i += 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The files of `repo`'s build context: tracked and untracked-but-not-gitignored files, less `.dockerignore`'s. */
export function dockerContextFiles(repo: string): string[] {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repo,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed in ${repo}: ${listed.stderr}`);
  const ignoreFile = path.join(repo, '.dockerignore');
  const ignored = dockerignoreMatcher(fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, 'utf8') : '');
  return listed.stdout
    .split('\0')
    .filter(
      (f) => f !== '' && !ignored(f) && fs.statSync(path.join(repo, f), { throwIfNoEntry: false })?.isFile(),
    )
    .sort();
}

// ---------------------------------------------------------------------------------------------------
// Stages

export interface EmulatedStage {
  readonly index: number;
  /** `AS name`, if any. */
  readonly name: string | undefined;
  /** The FROM image, e.g. `node:20.20.2-bookworm-slim` (or an earlier stage's name). */
  readonly from: string;
  /** The folder standing for the stage's `/`. */
  readonly root: string;
  /** The absolute WORKDIR inside the stage (default `/`). */
  workdir: string;
  readonly env: Record<string, string>;
  user: string | undefined;
  entrypoint: readonly string[] | undefined;
  cmd: readonly string[] | undefined;
  /** HEALTHCHECK CMD in exec form (undefined when absent, [] for NONE). */
  healthcheck: readonly string[] | undefined;
  readonly exposed: number[];
  /** Every RUN command, as run. */
  readonly runs: string[];
}

export interface EmulateOptions {
  /** The Dockerfile's text. */
  readonly dockerfile: string;
  /** The build context folder and its files (see dockerContextFiles). */
  readonly context: string;
  readonly contextFiles: readonly string[];
  /** An empty folder that receives one subfolder per stage. */
  readonly workDir: string;
  /** Added to every RUN's environment after the stage's ENV (e.g. npm's offline-cache settings). */
  readonly runEnv?: Readonly<Record<string, string>>;
}

/** `p` (absolute inside the stage) as a path in the stage's folder. */
export function inStage(stage: EmulatedStage, p: string): string {
  const absolute = path.posix.resolve(stage.workdir, p);
  return path.join(stage.root, absolute);
}

function unsupported(instruction: Instruction, why: string): Error {
  const line = instruction.getRange().start.line + 1;
  return new Error(`Dockerfile line ${String(line)}: ${instruction.getKeyword()} ${why} (not emulated)`);
}

function copyPath(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const r = spawnSync('cp', ['-a', '--reflink=auto', from, to], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp ${from} ${to} failed: ${r.stderr}`);
}

/** Copies each context file under `source` (a file or folder of the context) to `dest` (see COPY rules). */
function copyFromContext(opts: EmulateOptions, source: string, dest: string, intoDir: boolean): void {
  const rel = path.posix
    .normalize(source)
    .replace(/^\.?\/+/, '')
    .replace(/\/+$/, '');
  if (rel.startsWith('..')) throw new Error(`COPY source ${source} is outside the build context`);
  if (opts.contextFiles.includes(rel)) {
    copyPath(path.join(opts.context, rel), intoDir ? path.join(dest, path.posix.basename(rel)) : dest);
    return;
  }
  const under = rel === '' || rel === '.' ? '' : `${rel}/`;
  const files = opts.contextFiles.filter((f) => f.startsWith(under));
  if (files.length === 0) throw new Error(`COPY source ${source} is not in the build context`);
  for (const f of files) copyPath(path.join(opts.context, f), path.join(dest, f.slice(under.length)));
}

/** Copies `/source` of an earlier stage: a folder's contents into `dest`, a file to `dest` (or into it). */
function copyFromStage(stage: EmulatedStage, source: string, dest: string, intoDir: boolean): void {
  const from = inStage(stage, source);
  const stat = fs.statSync(from, { throwIfNoEntry: false });
  if (!stat) throw new Error(`COPY --from=${stage.name ?? String(stage.index)}: ${source} does not exist`);
  if (stat.isDirectory()) {
    fs.mkdirSync(dest, { recursive: true });
    for (const entry of fs.readdirSync(from)) copyPath(path.join(from, entry), path.join(dest, entry));
  } else {
    copyPath(from, intoDir ? path.join(dest, path.basename(from)) : dest);
  }
}

function applyCopy(
  copy: Copy,
  stage: EmulatedStage,
  stages: readonly EmulatedStage[],
  opts: EmulateOptions,
): void {
  let fromStage: EmulatedStage | undefined;
  for (const flag of copy.getFlags()) {
    const name = flag.getName();
    if (name === 'from') {
      const ref = flag.getValue() ?? '';
      fromStage = stages.find((s) => s.name === ref || String(s.index) === ref);
      if (!fromStage) throw unsupported(copy, `--from=${ref} names no earlier stage`);
    } else if (name !== 'chown' && name !== 'chmod' && name !== 'link') {
      throw unsupported(copy, `flag --${name}`);
    }
  }
  const json = copy.getJSONStrings().map((s) => s.getJSONValue());
  const args = json.length > 0 ? json : copy.getArguments().map((a) => a.getValue());
  if (args.length < 2) throw unsupported(copy, 'without a source and a destination');
  const sources = args.slice(0, -1);
  const destArg = args[args.length - 1]!;
  if (args.some((a) => /[*?[$]/.test(a))) throw unsupported(copy, 'with wildcards or variables');
  const dest = inStage(stage, destArg);
  const intoDir =
    destArg.endsWith('/') ||
    sources.length > 1 ||
    fs.statSync(dest, { throwIfNoEntry: false })?.isDirectory() === true;
  for (const source of sources) {
    if (fromStage) copyFromStage(fromStage, source, dest, intoDir);
    else copyFromContext(opts, source, dest, intoDir);
  }
}

function applyEnv(env: Env, stage: EmulatedStage): void {
  for (const p of env.getProperties()) {
    const value = p.getUnescapedValue() ?? '';
    if (value.includes('$')) throw unsupported(env, 'with variables');
    stage.env[p.getName()] = value;
  }
}

/** Runs `command` with `sh -c` in the stage's WORKDIR; rejects with the output's tail when it fails. */
function runShell(
  stage: EmulatedStage,
  command: string,
  runEnv: Readonly<Record<string, string>>,
): Promise<void> {
  const cwd = inStage(stage, '.');
  fs.mkdirSync(cwd, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd,
      env: { ...process.env, ...stage.env, ...runEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`RUN ${command} exited ${String(code)} in ${cwd}:\n${output}`));
    });
  });
}

/** The exec form of a CMD/ENTRYPOINT/HEALTHCHECK argument text (`["a", "b"]`), or an error. */
function execForm(instruction: Instruction, text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  } catch {
    // fall through
  }
  throw unsupported(instruction, 'in shell form (use the exec form, JSON)');
}

/**
 * Emulates every stage of `opts.dockerfile` in order and returns them (the last one is the image). RUN
 * commands really run (npm ci, the build), so this takes as long as they do.
 */
export async function emulateDockerfile(opts: EmulateOptions): Promise<EmulatedStage[]> {
  const dockerfile = DockerfileParser.parse(opts.dockerfile);
  const stages: EmulatedStage[] = [];
  let stage: EmulatedStage | undefined;
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      const args = instruction.getArguments().map((a) => a.getValue());
      const from = args[0] ?? '';
      const name = args[1]?.toUpperCase() === 'AS' ? args[2] : undefined;
      const parent = stages.find((s) => s.name === from);
      stage = {
        index: stages.length,
        name,
        from,
        root: path.join(opts.workDir, `stage-${String(stages.length)}${name ? `-${name}` : ''}`),
        workdir: parent?.workdir ?? '/',
        env: { ...(parent?.env ?? {}) },
        user: parent?.user,
        entrypoint: parent?.entrypoint,
        cmd: parent?.cmd,
        healthcheck: parent?.healthcheck,
        exposed: [...(parent?.exposed ?? [])],
        runs: [],
      };
      if (parent) copyPath(parent.root, stage.root);
      else fs.mkdirSync(stage.root, { recursive: true });
      stages.push(stage);
      continue;
    }
    if (!stage) throw unsupported(instruction, 'before the first FROM');
    const content = instruction.getArgumentsContent() ?? '';
    switch (keyword) {
      case 'WORKDIR':
        stage.workdir = path.posix.resolve(stage.workdir, content.trim());
        fs.mkdirSync(inStage(stage, '.'), { recursive: true });
        break;
      case 'ENV':
        applyEnv(instruction as Env, stage);
        break;
      case 'COPY':
        applyCopy(instruction as Copy, stage, stages, opts);
        break;
      case 'RUN': {
        if (content.trim().startsWith('[') || content.trim().startsWith('--')) {
          throw unsupported(instruction, 'in exec form or with flags');
        }
        if (/(^|[\s=:;&|>])\//.test(content)) throw unsupported(instruction, 'naming an absolute path');
        stage.runs.push(content);
        await runShell(stage, content, opts.runEnv ?? {});
        break;
      }
      case 'USER':
        stage.user = content.trim();
        break;
      case 'EXPOSE':
        for (const a of instruction.getArguments()) stage.exposed.push(Number(a.getValue().split('/')[0]));
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = execForm(instruction, content);
        break;
      case 'CMD':
        stage.cmd = execForm(instruction, content);
        break;
      case 'HEALTHCHECK': {
        const sub = (instruction as Healthcheck).getSubcommand()?.getValue().toUpperCase();
        stage.healthcheck = sub === 'NONE' ? [] : execForm(instruction, content.replace(/^\s*CMD\s+/i, ''));
        break;
      }
      case 'LABEL':
      case 'STOPSIGNAL':
        break;
      default:
        throw unsupported(instruction, 'is not modelled');
    }
  }
  if (stages.length === 0) throw new Error('the Dockerfile has no FROM');
  return stages;
}

/**
 * How to run `argv` (an ENTRYPOINT/CMD/HEALTHCHECK vector) in `stage`: arguments naming an existing file of
 * the stage by absolute path are mapped into its folder; the cwd is its WORKDIR; env is the stage's ENV.
 */
export function stageProcess(
  stage: EmulatedStage,
  argv: readonly string[],
): { command: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv } {
  const mapped = argv.map((a) =>
    a.startsWith('/') && fs.existsSync(path.join(stage.root, a)) ? path.join(stage.root, a) : a,
  );
  const [command, ...args] = mapped;
  if (command === undefined) throw new Error('stageProcess: empty command');
  return { command, args, cwd: inStage(stage, '.'), env: { ...process.env, ...stage.env } };
}
