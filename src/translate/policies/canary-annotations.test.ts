import {
  CANARY_BY_COOKIE,
  CANARY_BY_HEADER,
  CANARY_BY_HEADER_PATTERN,
  CANARY_BY_HEADER_VALUE,
  CANARY_WEIGHT,
  CANARY_WEIGHT_TOTAL,
  parseWeightedBackends,
  re2PatternProblem,
} from './canary-annotations.js';

test('canary-by-header takes an HTTP token, lowercased; Host and Cookie and non-tokens are refused', () => {
  expect(CANARY_BY_HEADER.parse('X-Canary')).toEqual({ ok: true, value: 'x-canary' });
  expect(CANARY_BY_HEADER.parse('x_user.id')).toEqual({ ok: true, value: 'x_user.id' });
  for (const bad of ['x canary', ':authority', 'Host', 'cookie', 'x-ü', '', 'a'.repeat(129)])
    expect(CANARY_BY_HEADER.parse(bad).ok).toBe(false);
});

test('canary-by-header-value is printable ASCII without surrounding spaces, at most 256', () => {
  expect(CANARY_BY_HEADER_VALUE.parse('beta tester')).toEqual({ ok: true, value: 'beta tester' });
  expect(CANARY_BY_HEADER_VALUE.parse('a'.repeat(256)).ok).toBe(true);
  for (const bad of [' beta', 'beta ', '', 'a'.repeat(257), 'caf\u00e9'])
    expect(CANARY_BY_HEADER_VALUE.parse(bad).ok).toBe(false);
});

test('header patterns: valid RE2 of at most 40 characters; what RE2 lacks or reads differently is refused', () => {
  for (const good of ['^(eu|us)-west-[0-9]+$', 'beta', '\\d+\\.\\w*', '[^,]*;?', 'a'.repeat(40)])
    expect(re2PatternProblem(good)).toBeUndefined();
  const bad: Record<string, RegExp> = {
    '(a)\\1': /escape \\1/,
    'a(?=b)': /lookaround/,
    'a(?!b)': /lookaround/,
    '(?<=a)b': /lookaround/,
    '(?<n>a)': /named group/,
    'a{2,3}': /counted repetition/,
    '\\u0041': /escape \\u/,
    '\\p{L}': /escape \\p/,
    '\\cA': /escape \\c/,
    '(a': /not a valid regular expression/,
    '(?i)a': /not a valid regular expression/,
    ['a'.repeat(41)]: /41 characters/,
    'caf\u00e9': /printable ASCII/,
    '': /empty/,
  };
  for (const [p, why] of Object.entries(bad)) expect(re2PatternProblem(p)).toMatch(why);
  expect(CANARY_BY_HEADER_PATTERN.parse('a(?=b)').ok).toBe(false);
});

test('canary-by-cookie is an HTTP token of at most 48 characters', () => {
  expect(CANARY_BY_COOKIE.parse('my.canary')).toEqual({ ok: true, value: 'my.canary' });
  expect(CANARY_BY_COOKIE.parse('c'.repeat(48)).ok).toBe(true);
  for (const bad of ['a=b', 'a;b', 'a b', 'c'.repeat(49), ''])
    expect(CANARY_BY_COOKIE.parse(bad).ok).toBe(false);
});

test('canary weights are whole numbers: weight 0..10000, total 1..10000', () => {
  expect(CANARY_WEIGHT.parse('0')).toEqual({ ok: true, value: 0 });
  expect(CANARY_WEIGHT.parse('10000')).toEqual({ ok: true, value: 10000 });
  expect(CANARY_WEIGHT_TOTAL.parse('1000')).toEqual({ ok: true, value: 1000 });
  for (const bad of ['-1', '1.5', '10001', '1e3', ' 5', 'abc', ''])
    expect(CANARY_WEIGHT.parse(bad).ok).toBe(false);
  expect(CANARY_WEIGHT_TOTAL.parse('0').ok).toBe(false);
});

test('weighted backends: a JSON list of 1 to 10 distinct Service ports with weights 0..1000, not all 0', () => {
  expect(
    parseWeightedBackends(
      '[{"service":"a","port":80,"weight":90},{"service":"b","port":"http","weight":10}]',
    ),
  ).toEqual({
    ok: true,
    value: [
      { service: 'a', port: { number: 80 }, weight: 90 },
      { service: 'b', port: { name: 'http' }, weight: 10 },
    ],
  });
  const ten = JSON.stringify(
    Array.from({ length: 10 }, (_, i) => ({ service: `s${i}`, port: 80, weight: 1 })),
  );
  expect(parseWeightedBackends(ten).ok).toBe(true);
  const bad: Record<string, RegExp> = {
    'not json': /not JSON/,
    '[]': /1 to 10/,
    '{"service":"a","port":80,"weight":1}': /1 to 10/,
    '[1]': /not an object/,
    '[{"service":"A","port":80,"weight":1}]': /Service name/,
    '[{"service":"a","port":0,"weight":1}]': /port/,
    '[{"service":"a","port":"Http","weight":1}]': /port/,
    '[{"service":"a","port":80,"weight":1.5}]': /weight/,
    '[{"service":"a","port":80,"weight":1001}]': /weight/,
    '[{"service":"a","port":80,"weight":1,"ns":"x"}]': /unknown field/,
    '[{"service":"a","port":80,"weight":1},{"service":"a","port":80,"weight":1}]': /repeats/,
    '[{"service":"a","port":80,"weight":0}]': /every weight is 0/,
    [JSON.stringify(Array.from({ length: 11 }, (_, i) => ({ service: `s${i}`, port: 80, weight: 1 })))]:
      /1 to 10/,
  };
  for (const [raw, why] of Object.entries(bad)) {
    const r = parseWeightedBackends(raw);
    expect(r.ok ? 'ok' : r.error).toMatch(why);
  }
});
