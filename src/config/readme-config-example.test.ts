/**
 * The README's config file example is a real config: it parses with the strict reader (no unknown key,
 * no duplicate key) and sets what its comments say, so the README cannot drift from the code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseControllerConfig } from './controller-config.js';

const README = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md');

/** The first ```yaml block of the README (the config file example). */
function configExample(): string {
  const text = fs.readFileSync(README, 'utf8');
  const start = text.indexOf('```yaml\n');
  const end = text.indexOf('\n```', start + 1);
  if (start < 0 || end < 0) throw new Error('README has no yaml block');
  return text.slice(start + '```yaml\n'.length, end);
}

test("the README's config example parses and keeps one entry per group", () => {
  const config = parseControllerConfig('README.md', configExample());
  expect(Object.keys(config.groups).sort()).toEqual(
    ['api', 'edge', 'internal', 'legacy', 'nlb', 'public', 'shop'].sort(),
  );
  expect(config.groups['edge']?.httpPort).toBe(80);
  expect(config.tls?.minVersion).toBe('1.2');
  expect(config.connectionLimit?.maxConnections).toBe(10000);
  expect(config.metricsPort).toBe(19001);
  expect(config.clientIp).toEqual({ trustedHops: 1 });
});
