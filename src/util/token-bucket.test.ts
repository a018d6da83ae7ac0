import { expect, test } from '@jest/globals';
import { refill, TokenBucket, tokenAt } from './token-bucket.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');

test('a bucket refills at the rate up to the burst, and says when a token is back', () => {
  const rate = { perSecond: 10, burst: 25 };
  expect(refill({ tokens: 0, at: T0 }, rate, T0 + 250)).toEqual({ tokens: 2.5, at: T0 + 250 });
  expect(refill({ tokens: 24, at: T0 }, rate, T0 + 10_000).tokens).toBe(25);
  expect(tokenAt({ tokens: 0.5, at: T0 }, rate)).toBe(T0 + 50);
  expect(tokenAt({ tokens: 3, at: T0 }, rate)).toBe(T0);
});

test('the token bucket lets a burst through, then paces at its rate (fake clock)', async () => {
  let now = 0;
  const slept: number[] = [];
  const bucket = new TokenBucket({
    ratePerSecond: 10,
    burst: 3,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  });
  const waits: number[] = [];
  for (let i = 0; i < 5; i++) waits.push(await bucket.take());
  expect(waits).toEqual([0, 0, 0, 100, 100]);
  expect(slept).toEqual([100, 100]);
  // Idle time refills up to the burst, no more.
  now += 10_000;
  const again: number[] = [];
  for (let i = 0; i < 4; i++) again.push(await bucket.take());
  expect(again).toEqual([0, 0, 0, 100]);
});

test('concurrent takers are served in order', async () => {
  let now = 0;
  const bucket = new TokenBucket({
    ratePerSecond: 1,
    burst: 1,
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  });
  const order: number[] = [];
  await Promise.all([0, 1, 2].map((i) => bucket.take().then(() => order.push(i))));
  expect(order).toEqual([0, 1, 2]);
  expect(now).toBe(2000);
});

test('an unlimited rate never waits', async () => {
  const bucket = new TokenBucket({ ratePerSecond: Infinity, burst: 1, now: () => 0 });
  const waits: number[] = [];
  for (let i = 0; i < 3; i++) waits.push(await bucket.take());
  expect(waits).toEqual([0, 0, 0]);
});
