import { headerNameProblem, parseHeaderLines, parseHeaderNames } from './header-syntax.js';

describe('parseHeaderLines', () => {
  test('one Name: value per line, names lowercased, values trimmed, blank lines and CRLF accepted', () => {
    expect(parseHeaderLines('X-Env: production\r\n\n  X-Team:  pay ments \n', 'request', true)).toEqual({
      ok: true,
      value: [
        { name: 'x-env', value: 'production' },
        { name: 'x-team', value: 'pay ments' },
      ],
    });
  });

  test('a value may hold colons, percent signs, quotes and tabs; they are kept as written', () => {
    expect(
      parseHeaderLines('Link: <https://a/b>; rel="x"\nX-P: 100% %REQ(x)%\nX-T: a\tb', 'response', true),
    ).toEqual({
      ok: true,
      value: [
        { name: 'link', value: '<https://a/b>; rel="x"' },
        { name: 'x-p', value: '100% %REQ(x)%' },
        { name: 'x-t', value: 'a\tb' },
      ],
    });
  });

  test('set refuses a name twice (case-insensitively); add accepts it', () => {
    expect(parseHeaderLines('X-A: 1\nx-a: 2', 'request', true)).toEqual({
      ok: false,
      error: 'line 2: header "x-a" is set twice',
    });
    expect(parseHeaderLines('X-A: 1\nx-a: 2', 'request', false).ok).toBe(true);
  });

  test('refusals name the line and never quote the value', () => {
    const secret = 'Bearer s3cr3t\u0001';
    const r = parseHeaderLines(`X-Ok: 1\nAuthorization: ${secret}`, 'request', true);
    expect(r).toEqual({ ok: false, error: 'line 2: the value of "authorization" is not printable ASCII' });
    expect(parseHeaderLines('X-Ok: 1\nno colon here', 'request', true)).toEqual({
      ok: false,
      error: 'line 2 is not "Name: value"',
    });
    expect(parseHeaderLines('X-Empty:  ', 'request', true).ok).toBe(false);
    expect(parseHeaderLines('X-Name: café', 'request', true).ok).toBe(false);
    expect(parseHeaderLines('X-A: a\rX-B: b', 'request', true).ok).toBe(false);
    expect(parseHeaderLines('\n \n', 'request', true)).toEqual({ ok: false, error: 'no header is given' });
  });

  test('limits: 32 headers, values of 1024 characters, names of 128', () => {
    const lines = (n: number): string => Array.from({ length: n }, (_, i) => `X-H${i}: v`).join('\n');
    expect(parseHeaderLines(lines(32), 'request', true).ok).toBe(true);
    expect(parseHeaderLines(lines(33), 'request', true)).toEqual({
      ok: false,
      error: '33 headers are given (at most 32)',
    });
    expect(parseHeaderLines(`X-V: ${'v'.repeat(1024)}`, 'request', true).ok).toBe(true);
    expect(parseHeaderLines(`X-V: ${'v'.repeat(1025)}`, 'request', true).ok).toBe(false);
    expect(parseHeaderLines(`${'n'.repeat(128)}: v`, 'request', true).ok).toBe(true);
    expect(parseHeaderLines(`${'n'.repeat(129)}: v`, 'request', true).ok).toBe(false);
  });
});

describe('header names', () => {
  test.each([
    [':path', 'request'],
    [':status', 'response'],
    ['host', 'request'],
    ['Host', 'response'],
    ['connection', 'request'],
    ['content-length', 'response'],
    ['transfer-encoding', 'request'],
    ['upgrade', 'request'],
    ['te', 'request'],
    ['keep-alive', 'response'],
    ['proxy-connection', 'request'],
    ['trailer', 'response'],
    ['x-envoy-original-path', 'request'],
    ['x-request-id', 'request'],
    ['bad name', 'request'],
    ['a/b', 'response'],
    ['', 'request'],
  ] as const)('%s is refused on the %s', (name, side) => {
    expect(headerNameProblem(name.toLowerCase(), side)).toBeDefined();
  });

  test('ordinary names pass, x-request-id on the response too', () => {
    for (const n of ['x-frame-options', 'cache-control', 'set-cookie', 'x_under', "x-!#$%&'*+.^`|~"])
      expect(headerNameProblem(n, 'request')).toBeUndefined();
    expect(headerNameProblem('x-request-id', 'response')).toBeUndefined();
  });

  test('name lists: commas, spaces or lines; lowercased; duplicates dropped', () => {
    expect(parseHeaderNames('X-Debug, Cookie\nx-debug  X-Other', 'request')).toEqual({
      ok: true,
      value: ['x-debug', 'cookie', 'x-other'],
    });
    expect(parseHeaderNames(' , ', 'request').ok).toBe(false);
    expect(parseHeaderNames('x-ok, host', 'request')).toEqual({
      ok: false,
      error: '"host" may not be changed (Envoy refuses it; use the Ingress host)',
    });
  });
});
