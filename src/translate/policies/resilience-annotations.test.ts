/** The parsers of the resilience annotations: good values, bad values and limits. */
import {
  COMPRESSION,
  MIRROR_PERCENT,
  MIRROR_TARGET,
  RETRY_COUNT,
  RETRY_ON,
  RETRY_PER_TRY_TIMEOUT,
  RETRY_STATUS_CODES,
} from './resilience-annotations.js';

test('retry-on: allow-listed conditions, sorted and deduplicated, with the non-idempotent flag', () => {
  expect(RETRY_ON.parse('gateway-error, 5xx,5xx')).toEqual({
    ok: true,
    value: { conditions: ['5xx', 'gateway-error'], nonIdempotent: false },
  });
  expect(RETRY_ON.parse('reset,non-idempotent')).toEqual({
    ok: true,
    value: { conditions: ['reset'], nonIdempotent: true },
  });
  expect(RETRY_ON.parse('unavailable,cancelled')).toMatchObject({ ok: true });
  expect(RETRY_ON.parse('5xx,timeout')).toMatchObject({
    ok: false,
    error: expect.stringContaining('"timeout"'),
  });
  // ingress-nginx's words are not Envoy conditions; an Envoy header-only condition is not allowed either.
  expect(RETRY_ON.parse('error').ok).toBe(false);
  expect(RETRY_ON.parse('retriable-headers').ok).toBe(false);
  expect(RETRY_ON.parse('non-idempotent').ok).toBe(false);
  expect(RETRY_ON.parse(' , ').ok).toBe(false);
  expect(RETRY_ON.parse('5XX').ok).toBe(false);
});

test('retry-count: 0 to 10', () => {
  expect(RETRY_COUNT.parse('0')).toEqual({ ok: true, value: 0 });
  expect(RETRY_COUNT.parse('10')).toEqual({ ok: true, value: 10 });
  for (const bad of ['11', '-1', '1.5', 'three', '']) expect(RETRY_COUNT.parse(bad).ok).toBe(false);
});

test('retry-per-try-timeout: a positive duration up to 3600s', () => {
  expect(RETRY_PER_TRY_TIMEOUT.parse('250ms')).toEqual({ ok: true, value: 0.25 });
  expect(RETRY_PER_TRY_TIMEOUT.parse('2s')).toEqual({ ok: true, value: 2 });
  expect(RETRY_PER_TRY_TIMEOUT.parse('60m')).toEqual({ ok: true, value: 3600 });
  for (const bad of ['0s', '0ms', '61m', '2h', '5']) expect(RETRY_PER_TRY_TIMEOUT.parse(bad).ok).toBe(false);
});

test('retry-status-codes: 100-599, sorted and deduplicated, at most 16', () => {
  expect(RETRY_STATUS_CODES.parse('504, 503,503')).toEqual({ ok: true, value: [503, 504] });
  expect(RETRY_STATUS_CODES.parse('100,599')).toEqual({ ok: true, value: [100, 599] });
  const sixteen = Array.from({ length: 16 }, (_, i) => 500 + i).join(',');
  expect(RETRY_STATUS_CODES.parse(sixteen).ok).toBe(true);
  expect(RETRY_STATUS_CODES.parse(`${sixteen},516`).ok).toBe(false);
  for (const bad of ['600', '099', '5xx', '503;504', '', ','])
    expect(RETRY_STATUS_CODES.parse(bad).ok).toBe(false);
});

test('compression: encodings in filter order (br, zstd, gzip), aliases, on and off', () => {
  expect(COMPRESSION.parse('gzip,br')).toEqual({ ok: true, value: ['br', 'gzip'] });
  expect(COMPRESSION.parse('gzip, zstd, brotli, gzip')).toEqual({ ok: true, value: ['br', 'zstd', 'gzip'] });
  expect(COMPRESSION.parse('true')).toEqual({ ok: true, value: ['gzip'] });
  expect(COMPRESSION.parse('off')).toEqual({ ok: true, value: [] });
  expect(COMPRESSION.parse('false')).toEqual({ ok: true, value: [] });
  expect(COMPRESSION.parse('GZIP')).toEqual({ ok: true, value: ['gzip'] });
  for (const bad of ['deflate', 'gzip,lz4', '', ' , ']) expect(COMPRESSION.parse(bad).ok).toBe(false);
});

test('mirror-target: <service>:<port name or number> of the same namespace', () => {
  expect(MIRROR_TARGET.parse('shadow:http')).toEqual({
    ok: true,
    value: { service: 'shadow', port: { name: 'http' } },
  });
  expect(MIRROR_TARGET.parse('shadow-v2:8080')).toEqual({
    ok: true,
    value: { service: 'shadow-v2', port: { number: 8080 } },
  });
  for (const bad of [
    'shadow',
    'other/shadow:http',
    'Shadow:http',
    '1shadow:http',
    'shadow:0',
    'shadow:65536',
    'shadow:http:1',
    'shadow:a-very-long-port-name',
    'shadow:-http',
    'shadow.other.svc:80',
  ])
    expect(MIRROR_TARGET.parse(bad).ok).toBe(false);
});

test('mirror-percent: 0 to 100 with up to 4 decimals', () => {
  expect(MIRROR_PERCENT.parse('0')).toEqual({ ok: true, value: 0 });
  expect(MIRROR_PERCENT.parse('100')).toEqual({ ok: true, value: 100 });
  expect(MIRROR_PERCENT.parse('0.0025')).toEqual({ ok: true, value: 0.0025 });
  for (const bad of ['101', '100.5', '-1', '50%', '0.00001', 'half', '1e2'])
    expect(MIRROR_PERCENT.parse(bad).ok).toBe(false);
});
