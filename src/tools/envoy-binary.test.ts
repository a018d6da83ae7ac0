import fs from 'node:fs';
import path from 'node:path';
import {
  ENVOY_ENV,
  ensureEnvoy,
  findEnvoy,
  localEnvoyDir,
  localEnvoyPath,
  projectRoot,
} from './envoy-binary.js';

describe('envoy-binary', () => {
  const saved = process.env[ENVOY_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[ENVOY_ENV];
    else process.env[ENVOY_ENV] = saved;
  });

  test('finds the project root from the module location', () => {
    const root = projectRoot();
    expect(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))).toMatchObject({
      name: 'causeway',
    });
    expect(localEnvoyDir(root)).toBe(path.join(root, '.tools', 'envoy-1.40.0'));
    expect(localEnvoyPath(root)).toBe(path.join(root, '.tools', 'envoy-1.40.0', 'venv', 'bin', 'envoy'));
  });

  test(`${ENVOY_ENV} comes first`, () => {
    process.env[ENVOY_ENV] = '/opt/envoy/bin/envoy';
    expect(findEnvoy()).toBe('/opt/envoy/bin/envoy');
  });

  test(`ensureEnvoy refuses a ${ENVOY_ENV} that is not Envoy 1.40, with a clear message`, async () => {
    process.env[ENVOY_ENV] = '/nonexistent/envoy';
    await expect(ensureEnvoy()).rejects.toThrow(/CAUSEWAY_ENVOY=\/nonexistent\/envoy is unusable: .*ENOENT/);
    process.env[ENVOY_ENV] = process.execPath; // node: runs, but is no Envoy
    await expect(ensureEnvoy()).rejects.toThrow(/CAUSEWAY_ENVOY=.* is unusable/);
  });
});
