import { isManifestFileName } from './manifest-names.js';

describe('file names', () => {
  it('reads yaml, yml and json, and ignores hidden and editor temp files', () => {
    for (const n of ['app.yaml', 'app.yml', 'app.json', 'APP.YAML']) expect(isManifestFileName(n)).toBe(true);
    for (const n of [
      '.app.yaml',
      'app.yaml~',
      'app.yaml.swp',
      '.app.yaml.swx',
      '#app.yaml#',
      '.#app.yaml',
      'app.yaml.tmp',
      'app.txt',
      '4913',
      'app.yaml___jb_tmp___',
    ]) {
      expect(isManifestFileName(n)).toBe(false);
    }
  });
});
