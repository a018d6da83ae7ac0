import { hostnameCovers, intersectHostnames } from './hostnames.js';

describe('hostnameCovers', () => {
  test('a wildcard matches one or more extra labels, never its own suffix', () => {
    expect(hostnameCovers('*.example.com', 'a.example.com')).toBe(true);
    expect(hostnameCovers('*.example.com', 'a.b.example.com')).toBe(true);
    expect(hostnameCovers('*.example.com', 'example.com')).toBe(false);
    expect(hostnameCovers('*.example.com', 'aexample.com')).toBe(false);
  });
  test('a wildcard covers a deeper wildcard, not a shallower one', () => {
    expect(hostnameCovers('*.example.com', '*.a.example.com')).toBe(true);
    expect(hostnameCovers('*.a.example.com', '*.example.com')).toBe(false);
  });
  test('`*` covers everything; a name covers only itself', () => {
    expect(hostnameCovers('*', 'x.y')).toBe(true);
    expect(hostnameCovers('x.y', 'x.y')).toBe(true);
    expect(hostnameCovers('x.y', '*')).toBe(false);
  });
});

describe('intersectHostnames', () => {
  test('no hostnames on either side: any host', () => {
    expect(intersectHostnames(undefined, undefined)).toEqual(['*']);
  });
  test('a listener without hostname takes the route hostnames', () => {
    expect(intersectHostnames(undefined, ['B.com', 'a.com'])).toEqual(['a.com', 'b.com']);
  });
  test('a route without hostnames takes the listener hostname', () => {
    expect(intersectHostnames('*.example.com', [])).toEqual(['*.example.com']);
  });
  test('the more specific name of each matching pair is kept', () => {
    expect(intersectHostnames('*.example.com', ['foo.example.com', 'example.com', 'other.org'])).toEqual([
      'foo.example.com',
    ]);
    expect(intersectHostnames('foo.example.com', ['*.example.com'])).toEqual(['foo.example.com']);
    expect(intersectHostnames('*.a.example.com', ['*.example.com'])).toEqual(['*.a.example.com']);
  });
  test('nothing in common: empty', () => {
    expect(intersectHostnames('a.com', ['b.com', '*.a.com'])).toEqual([]);
  });
});
