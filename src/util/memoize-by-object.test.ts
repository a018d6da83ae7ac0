import { memoizeByObject } from './memoize-by-object.js';

test('calls the function once per object identity, again for a new object with the same content', () => {
  const calls: object[] = [];
  const read = memoizeByObject((o: { readonly v: number }) => {
    calls.push(o);
    return o.v * 2;
  });
  const a = { v: 1 };
  expect(read(a)).toBe(2);
  expect(read(a)).toBe(2);
  expect(read({ v: 1 })).toBe(2);
  expect(calls).toHaveLength(2);
});

test('remembers an undefined result too', () => {
  let calls = 0;
  const read = memoizeByObject((_o: object): undefined => {
    calls++;
    return undefined;
  });
  const a = {};
  read(a);
  read(a);
  expect(calls).toBe(1);
});
