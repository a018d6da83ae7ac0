/**
 * `npm run setup:envoy`: makes sure the real Envoy 1.40 binary is installed (project-local, under
 * `.tools/`) and prints its path and version. A second run finds the install and returns at once.
 */
import { ensureEnvoyDetailed } from './envoy-binary.js';

async function main(): Promise<void> {
  const started = Date.now();
  try {
    const envoy = await ensureEnvoyDetailed();
    const how = envoy.installed
      ? `installed in ${((Date.now() - started) / 1000).toFixed(1)}s`
      : 'already installed';
    process.stdout.write(`envoy: ${envoy.path}\nversion: ${envoy.version}\n(${how})\n`);
  } catch (err) {
    process.stderr.write(
      `setup:envoy: cannot provide Envoy: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exitCode = 1;
  }
}

await main();
