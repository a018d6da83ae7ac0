/**
 * Regression tests for hostile manifest content (issue 11): huge base64 values, huge mappings and
 * duplicate keys must give diagnostics in bounded time, never a crash.
 */
import { isBase64 } from './field-reader.js';
import { parseManifestFile } from './manifest-parser.js';

function tlsSecret(crt: string): string {
  return `apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata: { name: big, namespace: shop }
data:
  tls.key: ${Buffer.from('key').toString('base64')}
  tls.crt: ${crt}
`;
}

describe('isBase64', () => {
  it('accepts padded base64 and rejects anything else', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 100]) {
      expect(isBase64(Buffer.alloc(n, 0xfb).toString('base64'))).toBe(true);
    }
    expect(isBase64('abc')).toBe(false); // not a multiple of 4
    expect(isBase64('ab=c')).toBe(false); // padding inside
    expect(isBase64('a===')).toBe(false); // three padding characters
    expect(isBase64('ab c')).toBe(false);
    expect(isBase64('-_AA')).toBe(false); // the URL alphabet is not the Secret alphabet
  });
});

describe('parseManifestFile with hostile input', () => {
  it('reads a valid 6 MB base64 Secret value, and reports an invalid one as a diagnostic, not a crash', () => {
    const valid = Buffer.alloc(6 * 1024 * 1024, 0x41).toString('base64');
    const ok = parseManifestFile('big.yaml', tlsSecret(valid), 'local');
    expect(ok.diagnostics).toEqual([]);
    expect(ok.objects).toHaveLength(1);

    const invalid = `${valid.slice(0, -4)}!!!!`;
    const bad = parseManifestFile('big.yaml', tlsSecret(invalid), 'local');
    expect(bad.ok).toBe(false);
    expect(bad.diagnostics.map((d) => [d.code, d.object.file, d.object.documentIndex, d.message])).toEqual([
      [
        'CW_E_MANIFEST_OBJECT',
        'big.yaml',
        0,
        'big.yaml document 0: Secret big: data.tls.crt is not valid base64 (use stringData for plain text)',
      ],
    ]);
  });

  it('parses a mapping of 56k keys in well under a second (the duplicate-key check is linear)', () => {
    const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: { name: many }', 'data:'];
    for (let i = 0; i < 56_000; i++) lines.push(`  key-${i}: value-${i}-${'x'.repeat(40)}`);
    const text = `${lines.join('\n')}\n`;
    const started = performance.now();
    const r = parseManifestFile('many.yaml', text, 'local');
    const ms = performance.now() - started;
    process.stdout.write(
      `56k-key mapping (${(text.length / 1e6).toFixed(1)} MB) parsed in ${ms.toFixed(0)} ms\n`,
    );
    expect(r.diagnostics).toEqual([]);
    expect(ms).toBeLessThan(5000);

    // The same mapping with one key repeated at the end is still refused, with the position.
    const dup = parseManifestFile('many.yaml', `${text}  key-7: again\n`, 'local');
    expect(dup.diagnostics.map((d) => d.message)).toEqual([
      `many.yaml document 0: invalid YAML: Map keys must be unique at line ${lines.length + 1}, column 3`,
    ]);
  });

  it('reports every duplicate key of a document, in flow and block mappings, with positions', () => {
    const r = parseManifestFile('d.yaml', 'a: 1\nb: { x: 1, x: 2 }\na: 3\n1: one\n"1": quoted\n', 'local');
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'd.yaml document 0: invalid YAML: Map keys must be unique at line 2, column 12 (and 1 more error)',
    ]);
  });
});
