/**
 * Property test: the one-walk conversion (yaml-plain-js.ts) gives exactly what `Document.toJS()` and the
 * duplicate-key pass give, for random YAML documents (maps, sequences, scalars of every core type, repeated
 * keys, `__proto__`, and sometimes what the walk leaves to the library: aliases, merge keys, tags, complex
 * keys). Fixed seed; `YAML_PLAIN_SEEDS=N` runs N more seeds.
 */
import { describe, expect, it } from '@jest/globals';
import { LineCounter, parseAllDocuments } from 'yaml';
import { plainDocument } from './yaml-plain-js.js';
import { duplicateKeyErrors } from './yaml-unique-keys.js';
import { mulberry32 as prng } from '../../util/seeded-random.js';

const KEYS = [
  'name',
  'port',
  '1',
  "'1'",
  '"1"',
  'true',
  'null',
  '~',
  '__proto__',
  'a b',
  '0x1F',
  '1.0',
  '""',
];
const SCALARS = [
  'web',
  '80',
  '-1.5',
  '0o17',
  '.inf',
  '.nan',
  'true',
  'False',
  'null',
  '~',
  "'80'",
  '"a\\tb"',
  '2024-01-01',
  '',
  '!!str 5',
  '|\n  text\n',
];
const RARE = ['*x', '&x v', '!!set { a }', '? [k]\n  : v', '<<: { m: 1 }', '!!binary aGk=', '!custom v'];

function generate(rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const node = (depth: number, indent: string): string => {
    const r = rand();
    if (depth > 3 || r < 0.4) {
      const s = rand() < 0.05 ? pick(RARE) : pick(SCALARS);
      return s.startsWith('|') ? s.replace(/\n {2}/g, `\n${indent}  `) : ` ${s}`;
    }
    if (r < 0.5)
      return ` { ${Array.from({ length: 1 + Math.floor(rand() * 3) }, () => `${pick(KEYS)}: ${pick(SCALARS.slice(0, 12))}`).join(', ')} }`;
    if (r < 0.6)
      return ` [${Array.from({ length: Math.floor(rand() * 3) }, () => pick(SCALARS.slice(0, 12))).join(', ')}]`;
    const inner = `${indent}  `;
    if (r < 0.75) {
      const items = Array.from(
        { length: 1 + Math.floor(rand() * 3) },
        () => `\n${inner}-${node(depth + 1, inner)}`,
      );
      return items.join('');
    }
    const pairs = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => {
      const key = rand() < 0.03 ? pick(RARE.slice(5)) : pick(KEYS);
      return `\n${inner}${key}:${node(depth + 1, inner)}`;
    });
    return pairs.join('');
  };
  return Array.from({ length: 1 + Math.floor(rand() * 3) }, () => `x:${node(0, '')}\n`).join('---\n');
}

function viaLibrary(text: string): string[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, {
    merge: true,
    uniqueKeys: false,
    lineCounter: lc,
    logLevel: 'error',
  });
  if (!Array.isArray(docs)) return [];
  return docs
    .filter((d) => d.errors.length === 0)
    .map((d) => {
      const dups = duplicateKeyErrors(d, lc);
      try {
        return JSON.stringify({
          dups,
          value: dups.length > 0 ? null : (d.toJS({ maxAliasCount: 100 }) ?? null),
        });
      } catch (e) {
        return `throws ${(e as Error).message}`;
      }
    });
}

function viaWalk(text: string): string[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, {
    merge: true,
    uniqueKeys: false,
    lineCounter: lc,
    logLevel: 'error',
  });
  if (!Array.isArray(docs)) return [];
  return docs
    .filter((d) => d.errors.length === 0)
    .map((d) => {
      try {
        const p = plainDocument(d, lc, 100);
        return JSON.stringify({ dups: p.duplicateKeys, value: p.duplicateKeys.length > 0 ? null : p.value });
      } catch (e) {
        return `throws ${(e as Error).message}`;
      }
    });
}

describe('plainDocument', () => {
  it('equals toJS and the duplicate-key pass on random documents', () => {
    const extra = Number(process.env['YAML_PLAIN_SEEDS'] ?? 0);
    let compared = 0;
    for (let seed = 1; seed <= 1 + extra; seed++) {
      const rand = prng(seed * 7919);
      for (let i = 0; i < 2000; i++) {
        const text = generate(rand);
        const want = viaLibrary(text);
        const got = viaWalk(text);
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          throw new Error(
            `seed ${seed} case ${i} differs:\n${text}\nwant ${want.join('\n')}\ngot  ${got.join('\n')}`,
          );
        }
        compared += want.length;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('keeps __proto__ an own key, as the library does', () => {
    const lc = new LineCounter();
    const [doc] = parseAllDocuments('__proto__: { polluted: 1 }\n', { lineCounter: lc }) as ReturnType<
      typeof parseAllDocuments
    > &
      unknown[];
    const { value } = plainDocument(doc!, lc, 100);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value as object)).toEqual(['__proto__']);
  });
});
