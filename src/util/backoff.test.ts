import {
  backoffBounds,
  backoffDelay,
  DEFAULT_BACKOFF,
  fullJitter,
  jittered,
  type Jitter,
} from './backoff.js';

/** The delay with the Kubernetes options shape, as the watch loops and writers compute it. */
const equal = (attempt: number, options: Parameters<typeof backoffBounds>[0], random?: () => number) =>
  backoffDelay({ attempt, ...backoffBounds(options), jitter: 'equal' }, random);

test('the nominal delay doubles per attempt up to the cap', () => {
  const top = (a: number) => equal(a, { initialMs: 100, maxMs: 1_000 }, () => 0.999999);
  expect([0, 1, 2, 3, 4, 5].map(top)).toEqual([100, 200, 400, 800, 1000, 1000]);
});

test('jitter draws from the upper half of the nominal delay', () => {
  const opts = { initialMs: 1_000, maxMs: 60_000 };
  expect(equal(0, opts, () => 0)).toBe(500);
  expect(equal(0, opts, () => 0.5)).toBe(750);
  expect(equal(3, opts, () => 0)).toBe(4_000);
  for (let i = 0; i < 200; i++) {
    const d = equal(2, opts);
    expect(d).toBeGreaterThanOrEqual(2_000);
    expect(d).toBeLessThanOrEqual(4_000);
  }
});

test('huge attempt counts stay at the cap; defaults are 500 ms to 30 s', () => {
  expect(equal(10_000, {}, () => 1)).toBe(DEFAULT_BACKOFF.maxMs);
  expect(equal(0, {}, () => 1)).toBe(DEFAULT_BACKOFF.initialMs);
  expect(equal(-3, {}, () => 0)).toBe(DEFAULT_BACKOFF.initialMs / 2);
});

test('a cap below the initial delay is raised to it; out-of-range randomness is clamped', () => {
  expect(equal(5, { initialMs: 800, maxMs: 100 }, () => 1)).toBe(800);
  expect(equal(0, { initialMs: 800 }, () => 7)).toBe(800);
  expect(equal(0, { initialMs: 800 }, () => -1)).toBe(400);
});

test('full jitter draws from [0, nominal), whole milliseconds rounded down', () => {
  const full = (attempt: number, r: number) =>
    backoffDelay({ attempt, baseMs: 200, capMs: 10_000, jitter: 'full' }, () => r);
  expect(full(0, 0.999)).toBe(199);
  expect(full(3, 0.5)).toBe(800);
  expect(full(20, 0.999)).toBe(9990);
  expect(full(5, 0)).toBe(0);
});

test('fullJitter draws whole milliseconds from [0, value)', () => {
  expect(fullJitter(300, () => 0)).toBe(0);
  expect(fullJitter(300, () => 0.5)).toBe(150);
  expect(fullJitter(300, () => 0.999999)).toBe(299);
});

test('ratio jitter moves the nominal delay by up to ±ratio of itself', () => {
  const ratio: Jitter = { ratio: 0.2 };
  const spread = (attempt: number, r: number) =>
    backoffDelay({ attempt, baseMs: 1_000, capMs: 60_000, jitter: ratio }, () => r);
  expect(spread(0, 0)).toBe(800);
  expect(spread(0, 0.5)).toBe(1_000);
  expect(spread(2, 0.999999)).toBe(4_800);
  expect(spread(10, 0.5)).toBe(60_000);
});

test('jittered moves a period within ±ratio and never below 0', () => {
  expect(jittered(2_000, 0.1, () => 0)).toBe(1_800);
  expect(jittered(2_000, 0.1, () => 0.5)).toBe(2_000);
  expect(jittered(2_000, 0.1, () => 0.999999)).toBe(2_200);
  expect(jittered(1000, 2, () => 0)).toBe(0);
  for (let i = 0; i < 200; i++) {
    const v = jittered(2_000, 0.2);
    expect(v).toBeGreaterThanOrEqual(1_600);
    expect(v).toBeLessThanOrEqual(2_400);
  }
});
