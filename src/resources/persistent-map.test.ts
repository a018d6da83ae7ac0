import { changedKeysOf, compareStrings, PersistentMap, withMapChanges } from './persistent-map.js';
import { mulberry32 as prng } from '../util/seeded-random.js';

const SEED = Number(process.env['PERSISTENT_MAP_SEED'] ?? 14);

test('get, has, size and iteration in key order', () => {
  const m = PersistentMap.from<number>([
    ['b', 2],
    ['a', 1],
    ['c', 3],
  ]);
  expect(m.size).toBe(3);
  expect(m.get('b')).toBe(2);
  expect(m.has('a')).toBe(true);
  expect(m.has('z')).toBe(false);
  expect(m.get('z')).toBeUndefined();
  expect([...m]).toEqual([
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ]);
  expect([...m.keys()]).toEqual(['a', 'b', 'c']);
  expect([...m.values()]).toEqual([1, 2, 3]);
  const seen: string[] = [];
  m.forEach((v, k, map) => {
    expect(map).toBe(m);
    seen.push(`${k}=${v}`);
  });
  expect(seen).toEqual(['a=1', 'b=2', 'c=3']);
});

test('set and delete give new versions; the old ones are unchanged', () => {
  const v0 = PersistentMap.from<number>([
    ['a', 1],
    ['b', 2],
  ]);
  const v1 = v0.set('c', 3);
  const v2 = v1.delete('a');
  const v3 = v2.set('b', 20);
  expect([...v0]).toEqual([
    ['a', 1],
    ['b', 2],
  ]);
  expect([...v1]).toEqual([
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ]);
  expect([...v2]).toEqual([
    ['b', 2],
    ['c', 3],
  ]);
  expect([...v3]).toEqual([
    ['b', 20],
    ['c', 3],
  ]);
  expect([v0.size, v1.size, v2.size, v3.size]).toEqual([2, 3, 2, 2]);
});

test('a change that changes nothing returns the same version', () => {
  const value = { x: 1 };
  const m = PersistentMap.from([['a', value]]);
  expect(m.set('a', value)).toBe(m);
  expect(m.delete('nope')).toBe(m);
  expect(m.withChanges([])).toBe(m);
});

test('a custom key order is kept', () => {
  const m = PersistentMap.from<number>(
    [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ],
    (a, b) => compareStrings(b, a),
  );
  expect([...m.keys()]).toEqual(['c', 'b', 'a']);
  expect(m.get('b')).toBe(2);
});

test('random updates: every version equals a Map with the same history, sorted; old versions stay', () => {
  const random = prng(SEED);
  let reference = new Map<string, number>();
  let m = PersistentMap.empty<number>();
  const history: [PersistentMap<number>, [string, number][]][] = [];
  for (let step = 0; step < 120; step++) {
    const batch: [string, number | undefined][] = [];
    const size = random() < 0.05 ? 500 : 1 + Math.floor(random() * 8);
    for (let i = 0; i < size; i++) {
      const key = `k${Math.floor(random() * 1500)}`;
      batch.push([key, random() < 0.3 ? undefined : Math.floor(random() * 100)]);
    }
    const before = m;
    m = m.withChanges(batch);
    reference = new Map(reference);
    for (const [k, v] of batch) {
      if (v === undefined) reference.delete(k);
      else reference.set(k, v);
    }
    const sorted = [...reference].sort(([a], [b]) => compareStrings(a, b));
    expect(JSON.stringify([...m])).toBe(JSON.stringify(sorted));
    expect(m.size).toBe(reference.size);
    for (const [k] of batch) expect(m.get(k)).toBe(reference.get(k));
    const changed = new Set(batch.filter(([k]) => before.get(k) !== m.get(k)).map(([k]) => k));
    expect(new Set(m.changedKeys(before))).toEqual(changed);
    expect(new Set(changedKeysOf(new Map(before), m))).toEqual(changed);
    history.push([m, sorted]);
  }
  for (const [version, entries] of history)
    expect(JSON.stringify([...version])).toBe(JSON.stringify(entries));
});

test('withMapChanges updates a plain Map by copy and a PersistentMap by a new version', () => {
  const plain = new Map([['a', 1]]);
  const copy = withMapChanges(plain, [
    ['b', 2],
    ['a', undefined],
  ]);
  expect([...copy]).toEqual([['b', 2]]);
  expect([...plain]).toEqual([['a', 1]]);
  const p = PersistentMap.from([['a', 1]]);
  const next = withMapChanges(p, [['b', 2]]);
  expect(next).toBeInstanceOf(PersistentMap);
  expect([...p]).toEqual([['a', 1]]);
});
