/**
 * `envoy --mode validate` on a bootstrap, for the golden tests: Envoy parses it and builds every static
 * resource without binding anything.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureEnvoy } from '../../src/tools/envoy-binary.js';
import { writeBootstrap } from './envoy-process.js';

export interface ValidateResult {
  readonly ok: boolean;
  /** Envoy's output (the reason when not ok). */
  readonly output: string;
}

/** Runs `envoy --mode validate` on a bootstrap: parses it and builds every static resource, binds nothing. */
export async function validateEnvoyConfig(
  bootstrap: object,
  opts: { readonly envoyPath?: string; readonly timeoutMs?: number } = {},
): Promise<ValidateResult> {
  const binary = opts.envoyPath ?? (await ensureEnvoy());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-envoy-validate-'));
  try {
    const file = writeBootstrap(dir, bootstrap);
    return await new Promise<ValidateResult>((resolve) => {
      const child = spawn(
        binary,
        ['--mode', 'validate', '-c', file, '--disable-hot-restart', '-l', 'warning'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const chunks: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => chunks.push(c));
      child.stderr.on('data', (c: Buffer) => chunks.push(c));
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
      child.once('error', (err) => {
        clearTimeout(timer);
        resolve({ ok: false, output: `cannot run ${binary}: ${err.message}` });
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        const output = Buffer.concat(chunks).toString('utf8');
        resolve({
          ok: code === 0,
          output: code === 0 || output.trim() !== '' ? output : `envoy exited ${String(code ?? signal)}`,
        });
      });
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
