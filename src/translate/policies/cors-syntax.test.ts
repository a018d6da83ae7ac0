import {
  MAX_WILDCARD_ORIGIN_LENGTH,
  parseHeaderList,
  parseMaxAge,
  parseMethods,
  parseOrigins,
} from './cors-syntax.js';

/** What Envoy's RE2 (full match) would say, approximated with a JS RegExp of the same anchored pattern. */
function matches(regex: string, origin: string): boolean {
  return new RegExp(regex).test(origin);
}

describe('origins', () => {
  test('* alone, exact origins lowercased and deduplicated, ports kept', () => {
    expect(parseOrigins('*')).toEqual({ ok: true, value: [{ kind: 'any' }] });
    expect(parseOrigins('https://App.Example.com, http://localhost:3000,https://app.example.com')).toEqual({
      ok: true,
      value: [
        { kind: 'exact', origin: 'https://app.example.com' },
        { kind: 'exact', origin: 'http://localhost:3000' },
      ],
    });
  });

  test('a wildcard allows exactly one label, with the same scheme and port', () => {
    const r = parseOrigins('https://*.example.com:8443');
    if (!r.ok || r.value[0]?.kind !== 'pattern') throw new Error('expected a pattern');
    const { regex } = r.value[0];
    expect(() => new RegExp(regex)).not.toThrow();
    expect(matches(regex, 'https://app.example.com:8443')).toBe(true);
    expect(matches(regex, 'https://my-app2.example.com:8443')).toBe(true);
    expect(matches(regex, 'https://a.b.example.com:8443')).toBe(false);
    expect(matches(regex, 'https://example.com:8443')).toBe(false);
    expect(matches(regex, 'https://app.example.com')).toBe(false);
    expect(matches(regex, 'http://app.example.com:8443')).toBe(false);
    expect(matches(regex, 'https://app.exampleXcom:8443')).toBe(false);
    expect(matches(regex, 'https://evil.com/.example.com:8443')).toBe(false);
  });

  test('the generated regex uses only constructs RE2 has (no lookaround, backreference or bounded repetition)', () => {
    const r = parseOrigins('https://*.a-b.example.org');
    if (!r.ok || r.value[0]?.kind !== 'pattern') throw new Error('expected a pattern');
    expect(r.value[0].regex).toBe('^https://[a-z0-9-]+\\.a-b\\.example\\.org$');
  });

  test.each([
    ['https://app.example.com/path'],
    ['https://app.example.com/'],
    ['ftp://app.example.com'],
    ['app.example.com'],
    ['null'],
    ['https://app.example.com:0'],
    ['https://app.example.com:70000'],
    ['*, https://app.example.com'],
    ['https://*.com'],
    ['https://app.*.example.com'],
    ['https://*example.com'],
    ['https://(a|b).example.com'],
    ['https://[::1]'],
    ['https://a_b.example.com'],
    [','],
  ])('%s is refused', (raw) => {
    expect(parseOrigins(raw).ok).toBe(false);
  });

  test('limits: 32 origins; wildcard origins up to the RE2 program budget', () => {
    const list = (n: number): string =>
      Array.from({ length: n }, (_, i) => `https://a${i}.example.com`).join(',');
    expect(parseOrigins(list(32)).ok).toBe(true);
    expect(parseOrigins(list(33)).ok).toBe(false);
    const wildcard = (len: number): string => {
      const head = 'https://*.';
      const tail = '.example.com';
      const n = len - head.length - tail.length;
      return `${head}${'x'.repeat(40)}.${'y'.repeat(n - 41)}${tail}`;
    };
    expect(parseOrigins(wildcard(MAX_WILDCARD_ORIGIN_LENGTH)).ok).toBe(true);
    expect(parseOrigins(wildcard(MAX_WILDCARD_ORIGIN_LENGTH + 1)).ok).toBe(false);
  });
});

test('methods: letters only, uppercased, deduplicated', () => {
  expect(parseMethods('get, POST,post , Put')).toEqual({ ok: true, value: ['GET', 'POST', 'PUT'] });
  expect(parseMethods('GET, PO ST').ok).toBe(false);
  expect(parseMethods('GET;rm').ok).toBe(false);
  expect(parseMethods('').ok).toBe(false);
});

test('header lists: tokens as written, or * alone', () => {
  expect(parseHeaderList('Content-Type, X-Api-Key, content-type')).toEqual({
    ok: true,
    value: ['Content-Type', 'X-Api-Key'],
  });
  expect(parseHeaderList('*')).toEqual({ ok: true, value: ['*'] });
  expect(parseHeaderList('*, X-A').ok).toBe(false);
  expect(parseHeaderList('X:Bad').ok).toBe(false);
  expect(parseHeaderList('X Bad').ok).toBe(false);
});

test('max age: whole seconds from 0 to a year', () => {
  expect(parseMaxAge('0')).toEqual({ ok: true, value: 0 });
  expect(parseMaxAge('1728000')).toEqual({ ok: true, value: 1728000 });
  expect(parseMaxAge('31536000').ok).toBe(true);
  expect(parseMaxAge('31536001').ok).toBe(false);
  expect(parseMaxAge('-1').ok).toBe(false);
  expect(parseMaxAge('1.5').ok).toBe(false);
  expect(parseMaxAge('10s').ok).toBe(false);
});
