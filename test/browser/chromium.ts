/**
 * Headless Chromium for browser tests: the system's Chromium (Debian's `chromium` package, installed by
 * test/browser/setup-chromium.sh) driven by playwright-core, which downloads no browser of its own.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** `$CHROMIUM_PATH`, else `chromium` or `chromium-browser` on the PATH. */
export function chromiumPath(): string {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!fs.existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (found !== '') return found;
    } catch {
      // not this one
    }
  }
  throw new Error(
    'Chromium not found: run `bash test/browser/setup-chromium.sh` (npm test runs it), or set CHROMIUM_PATH',
  );
}

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: the tests run as root in containers, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox'] });
}
