import { expect, test } from '@jest/globals';
import { ApiException } from '@kubernetes/client-node';
import { httpStatusOf } from './http-status.js';
import { KubeApiError } from './kube-transport.js';

test('reads the HTTP status of client-node errors, and none from network errors', () => {
  expect(httpStatusOf(new ApiException(409, 'failed', '', {}))).toBe(409);
  expect(httpStatusOf(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeUndefined();
  expect(httpStatusOf('nope')).toBeUndefined();
  expect(httpStatusOf(null)).toBeUndefined();
});

test('reads the status of our transport errors and of watch errors (statusCode)', () => {
  expect(httpStatusOf(new KubeApiError(410, 'Gone'))).toBe(410);
  expect(httpStatusOf(Object.assign(new Error('watch failed'), { statusCode: 403 }))).toBe(403);
});
