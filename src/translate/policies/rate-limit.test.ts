/**
 * The rate limit policy through the whole translation: each Ingress's routes carry their own limit (two
 * Ingresses on one host differ), an Ingress without the annotations has none, and a bad value never
 * turns a limit off (the most restrictive sane value applies, with a diagnostic saying so).
 */
import type { KubeObject } from '../../resources/kube-types.js';
import {
  DEFAULT_CLASS,
  shopIngress,
  shopService,
  translateForPolicies,
} from '../testdata/policy-fixtures.js';
import { LIMIT_BURST_MULTIPLIER, LIMIT_RPM, LIMIT_RPS } from './rate-limit-annotations.js';
import { tokenBucket } from './rate-limit.js';

function run(...ingresses: KubeObject[]) {
  return translateForPolicies([DEFAULT_CLASS, shopService(), ...ingresses]);
}

test('rates and multipliers: whole numbers from 1, bounded', () => {
  expect(LIMIT_RPS.parse('10')).toEqual({ ok: true, value: 10 });
  expect(LIMIT_RPM.parse('1000000')).toEqual({ ok: true, value: 1000000 });
  for (const bad of ['0', '-1', '1.5', 'ten', '1e3', '1000001', ' 5'])
    expect(LIMIT_RPS.parse(bad).ok).toBe(false);
  expect(LIMIT_BURST_MULTIPLIER.parse('1')).toEqual({ ok: true, value: 1 });
  expect(LIMIT_BURST_MULTIPLIER.parse('1001').ok).toBe(false);
  expect(LIMIT_BURST_MULTIPLIER.parse('0').ok).toBe(false);
});

test('token buckets: burst = rate x multiplier; per minute refills in exact whole-second steps', () => {
  expect(tokenBucket('second', 10, 5)).toEqual({
    per: 'second',
    maxTokens: 50,
    tokensPerFill: 10,
    fillIntervalSeconds: 1,
  });
  expect(tokenBucket('minute', 30, 5)).toEqual({
    per: 'minute',
    maxTokens: 150,
    tokensPerFill: 1,
    fillIntervalSeconds: 2,
  });
  expect(tokenBucket('minute', 100, 1)).toEqual({
    per: 'minute',
    maxTokens: 100,
    tokensPerFill: 5,
    fillIntervalSeconds: 3,
  });
  expect(tokenBucket('minute', 7, 2)).toEqual({
    per: 'minute',
    maxTokens: 14,
    tokensPerFill: 7,
    fillIntervalSeconds: 60,
  });
  expect(tokenBucket('minute', 600, 5)).toEqual({
    per: 'minute',
    maxTokens: 3000,
    tokensPerFill: 10,
    fillIntervalSeconds: 1,
  });
});

test('two Ingresses on one host keep their own limits; a third has none', () => {
  const { routes, messages } = run(
    shopIngress('a', { 'causeway.dev/limit-rps': '10' }),
    shopIngress('b', {
      'causeway.dev/limit-rpm': '60',
      'causeway.dev/limit-burst-multiplier': '2',
      'causeway.dev/limit-whitelist': '10.0.0.0/8',
      'causeway.dev/limit-allowlist': '192.168.1.1, 10.0.0.0/8',
    }),
    shopIngress('c', { 'causeway.dev/limit-whitelist': '10.0.0.0/8' }),
  );
  expect(messages).toEqual([]);
  expect(routes.get('a')!.rateLimit).toEqual({
    buckets: [{ per: 'second', maxTokens: 50, tokensPerFill: 10, fillIntervalSeconds: 1 }],
  });
  expect(routes.get('b')!.rateLimit).toEqual({
    buckets: [{ per: 'minute', maxTokens: 120, tokensPerFill: 1, fillIntervalSeconds: 1 }],
    exempt: [
      { address: '10.0.0.0', prefixLength: 8 },
      { address: '192.168.1.1', prefixLength: 32 },
    ],
  });
  expect(routes.get('c')!.rateLimit).toBeUndefined();
});

test('a bad value keeps the route limited, with the most restrictive sane value and a diagnostic', () => {
  const { routes, messages } = run(
    shopIngress('a', { 'causeway.dev/limit-rps': 'lots', 'causeway.dev/limit-burst-multiplier': '0' }),
    shopIngress('b', { 'causeway.dev/limit-rpm': '0', 'causeway.dev/limit-whitelist': '10.0.0.0/99' }),
  );
  expect(routes.get('a')!.rateLimit).toEqual({
    buckets: [{ per: 'second', maxTokens: 1, tokensPerFill: 1, fillIntervalSeconds: 1 }],
  });
  expect(routes.get('b')!.rateLimit).toEqual({
    buckets: [{ per: 'minute', maxTokens: 5, tokensPerFill: 1, fillIntervalSeconds: 60 }],
  });
  expect(messages).toEqual(
    expect.arrayContaining([
      expect.stringContaining(
        'annotation causeway.dev/limit-rps: "lots" is not a whole number; limiting to 1 request per second',
      ),
      expect.stringContaining(
        'annotation causeway.dev/limit-burst-multiplier: "0" must be at least 1; using 1',
      ),
      expect.stringContaining(
        'annotation causeway.dev/limit-rpm: "0" must be at least 1; limiting to 1 request per minute',
      ),
      expect.stringContaining(
        'annotation causeway.dev/limit-whitelist: "10.0.0.0/99" has a prefix longer than 32; no client is exempt',
      ),
    ]) as unknown,
  );
  expect(messages).toHaveLength(4);
});
