import { expect, test } from '@jest/globals';
import { awsErrorCode, backoffMs, DEFAULT_AWS_RETRY, retryReason } from './aws-retry.js';
import { TokenBucket } from '../../util/token-bucket.js';

const sdkError = (name: string, status?: number): Error =>
  Object.assign(new Error(name), {
    name,
    $fault: status !== undefined && status >= 500 ? 'server' : 'client',
    $metadata: status !== undefined ? { httpStatusCode: status } : {},
  });

test('throttling, 5xx and network errors are retried; client errors and missing credentials are not', () => {
  expect(retryReason(sdkError('Throttling', 400))).toBe('throttling');
  expect(retryReason(sdkError('ThrottlingException', 400))).toBe('throttling');
  expect(retryReason(sdkError('SomethingElse', 429))).toBe('throttling');
  expect(retryReason(sdkError('InternalFailure', 500))).toBe('server-error');
  expect(retryReason(sdkError('ServiceUnavailable', 503))).toBe('server-error');
  expect(retryReason(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
    'network',
  );
  expect(retryReason(new Error('socket hang up'))).toBe('network');
  expect(retryReason(sdkError('DuplicateTargetGroupNameException', 400))).toBeUndefined();
  expect(retryReason(sdkError('ValidationError', 400))).toBeUndefined();
  expect(
    retryReason(Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' })),
  ).toBeUndefined();
  expect(retryReason(new Error('Region is missing'))).toBeUndefined();
});

test('error codes drop the Exception suffix', () => {
  expect(awsErrorCode(sdkError('DuplicateTargetGroupNameException', 400))).toBe('DuplicateTargetGroupName');
  expect(awsErrorCode(sdkError('LoadBalancerNotFound', 400))).toBe('LoadBalancerNotFound');
});

test('backoff is full jitter under an exponential ceiling, capped', () => {
  const o = DEFAULT_AWS_RETRY;
  expect(backoffMs(0, o, () => 0.999)).toBe(199);
  expect(backoffMs(3, o, () => 0.5)).toBe(800);
  expect(backoffMs(20, o, () => 0.999)).toBe(9990);
  expect(backoffMs(5, o, () => 0)).toBe(0);
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
