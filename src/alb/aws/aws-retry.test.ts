import { expect, test } from '@jest/globals';
import { awsErrorCode, backoffMs, DEFAULT_AWS_RETRY, retryReason } from './aws-retry.js';

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
