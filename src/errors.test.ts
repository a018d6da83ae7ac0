import fs from 'node:fs';
import { ERRORS, diagnostic } from './errors.js';

const doc = fs.readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

test.each(Object.entries(ERRORS))(
  'docs/errors.md documents %s with its severity and reason',
  (code, entry) => {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
    expect(row).toBeDefined();
    expect(row).toContain(`| ${entry.severity} |`);
    expect(row).toContain(`| ${entry.reason} |`);
  },
);

test('every documented code exists in the catalog', () => {
  const documented = [...doc.matchAll(/^\| `(CW_E_[A-Z_]+)`/gm)].map((m) => m[1]);
  expect(documented.sort()).toEqual(Object.keys(ERRORS).sort());
});

test('a diagnostic takes its severity from the catalog', () => {
  expect(diagnostic('CW_E_ROUTE_CONFLICT', { kind: 'Ingress', name: 'x' }, 'm').severity).toBe('warning');
  expect(diagnostic('CW_E_INGRESS_PATH_INVALID', { kind: 'Ingress', name: 'x' }, 'm').severity).toBe('error');
});
