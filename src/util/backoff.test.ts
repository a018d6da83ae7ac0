import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';

test('the nominal delay doubles per attempt up to the cap', () => {
  const top = (a: number) => backoffDelay(a, { initialMs: 100, maxMs: 1_000 }, () => 0.999999);
  expect([0, 1, 2, 3, 4, 5].map(top)).toEqual([100, 200, 400, 800, 1000, 1000]);
});

test('jitter draws from the upper half of the nominal delay', () => {
  const opts = { initialMs: 1_000, maxMs: 60_000 };
  expect(backoffDelay(0, opts, () => 0)).toBe(500);
  expect(backoffDelay(0, opts, () => 0.5)).toBe(750);
  expect(backoffDelay(3, opts, () => 0)).toBe(4_000);
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(2, opts);
    expect(d).toBeGreaterThanOrEqual(2_000);
    expect(d).toBeLessThanOrEqual(4_000);
  }
});

test('huge attempt counts stay at the cap; defaults are 500 ms to 30 s', () => {
  expect(backoffDelay(10_000, {}, () => 1)).toBe(DEFAULT_BACKOFF.maxMs);
  expect(backoffDelay(0, {}, () => 1)).toBe(DEFAULT_BACKOFF.initialMs);
  expect(backoffDelay(-3, {}, () => 0)).toBe(DEFAULT_BACKOFF.initialMs / 2);
});

test('a cap below the initial delay is raised to it; out-of-range randomness is clamped', () => {
  expect(backoffDelay(5, { initialMs: 800, maxMs: 100 }, () => 1)).toBe(800);
  expect(backoffDelay(0, { initialMs: 800 }, () => 7)).toBe(800);
  expect(backoffDelay(0, { initialMs: 800 }, () => -1)).toBe(400);
});
