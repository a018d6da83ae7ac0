import { describe, expect, it } from '@jest/globals';
import { ApiException } from '@kubernetes/client-node';
import {
  RetryStopped,
  describeCallError,
  isRetryable,
  requestOptions,
  retryAfterMs,
  retryDelay,
  toEpochMs,
  withRetry,
} from './kube-api-call.js';

const apiError = (
  code: number,
  headers: Record<string, string> = {},
  body: unknown = '',
): ApiException<unknown> => new ApiException(code, 'failed', body, headers);

describe('error classification', () => {
  it('retries 429, 5xx and network errors, not other 4xx', () => {
    expect([429, 500, 503].map((c) => isRetryable(apiError(c)))).toEqual([true, true, true]);
    expect([400, 403, 404, 409, 422].map((c) => isRetryable(apiError(c)))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(isRetryable(new Error('socket hang up'))).toBe(true);
  });

  it('reads Retry-After in seconds', () => {
    expect(retryAfterMs(apiError(429, { 'Retry-After': '3' }))).toBe(3_000);
    expect(retryAfterMs(apiError(429, { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }))).toBeUndefined();
    expect(retryAfterMs(apiError(503))).toBeUndefined();
  });

  it('describes an error with the Status message of its body', () => {
    expect(
      describeCallError(apiError(409, {}, JSON.stringify({ message: 'the object has been modified' }))),
    ).toBe('HTTP 409: the object has been modified');
    expect(describeCallError(apiError(403, {}, { message: 'forbidden' }))).toBe('HTTP 403: forbidden');
    expect(describeCallError(Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' }))).toBe(
      'connect failed (ECONNREFUSED)',
    );
  });
});

describe('retryDelay', () => {
  it('doubles from initialMs up to maxMs, drawn from the upper half', () => {
    const opts = { initialMs: 100, maxMs: 1_000 };
    expect([0, 1, 2, 3, 4, 10].map((a) => retryDelay(a, opts, () => 0))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect([0, 1, 2, 3, 4, 10].map((a) => retryDelay(a, opts, () => 1))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });
});

describe('withRetry', () => {
  it('retries retryable failures and returns the first success', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const value = await withRetry(
      async () => {
        if (++calls < 3) throw apiError(503);
        return 'ok';
      },
      { attempts: 4, initialMs: 100 },
      { random: () => 0, sleep: async (ms) => void sleeps.push(ms) },
    );
    expect(value).toBe('ok');
    expect(sleeps).toEqual([50, 100]);
  });

  it('gives up after the attempts, or at once on a final error', async () => {
    let calls = 0;
    const noSleep = { sleep: async () => undefined };
    await expect(
      withRetry(async () => (calls++, Promise.reject(apiError(500))), { attempts: 3 }, noSleep),
    ).rejects.toMatchObject({
      code: 500,
    });
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      withRetry(async () => (calls++, Promise.reject(apiError(422))), {}, noSleep),
    ).rejects.toMatchObject({
      code: 422,
    });
    expect(calls).toBe(1);
  });

  it('stops when proceed() turns false', async () => {
    await expect(withRetry(async () => 'never', {}, { proceed: () => false })).rejects.toBeInstanceOf(
      RetryStopped,
    );
    let calls = 0;
    let go = true;
    await expect(
      withRetry(
        async () => {
          calls++;
          go = false;
          throw apiError(503);
        },
        {},
        { proceed: () => go, sleep: async () => undefined },
      ),
    ).rejects.toMatchObject({ code: 503 });
    expect(calls).toBe(1);
  });
});

describe('requestOptions', () => {
  it('appends one middleware that sets a timeout signal and the User-Agent', async () => {
    const options = requestOptions(1_000);
    expect(options.middlewareMergeStrategy).toBe('append');
    expect(options.middleware).toHaveLength(1);
    const headers: Record<string, string> = {};
    let signal: AbortSignal | undefined;
    const context = {
      setSignal: (s: AbortSignal) => (signal = s),
      setHeaderParam: (k: string, v: string) => (headers[k] = v),
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await options.middleware![0]!.pre(context as any).toPromise();
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(headers['User-Agent']).toBe('causeway');
  });
});

describe('toEpochMs', () => {
  it('reads Dates and RFC 3339 strings (MicroTime fields stay strings in client-node)', () => {
    expect(toEpochMs(new Date(5))).toBe(5);
    expect(toEpochMs('2025-01-01T00:00:00.123456Z')).toBe(Date.parse('2025-01-01T00:00:00.123Z'));
    expect(toEpochMs('garbage')).toBeUndefined();
    expect(toEpochMs(undefined)).toBeUndefined();
  });
});
