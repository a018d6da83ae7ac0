/** The push limiter: never more than `limit` tasks at once, FIFO, a slot freed on settle, throw or timeout. */
import { createPushLimiter } from './push-limiter.js';
import { resolveTuning } from './server-options.js';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('at most `limit` tasks hold a slot; the others start in FIFO order as slots free up', async () => {
  const limiter = createPushLimiter(3, 60_000);
  const started: number[] = [];
  const gates = Array.from({ length: 10 }, () => deferred());
  gates.forEach((g, i) =>
    limiter.run(() => {
      started.push(i);
      return g.promise;
    }),
  );
  expect(started).toEqual([0, 1, 2]);
  expect(limiter.stats()).toMatchObject({ active: 3, queued: 7 });
  gates[1]!.resolve();
  await tick();
  await tick();
  expect(started).toEqual([0, 1, 2, 3]);
  gates[0]!.reject(new Error('failed write'));
  gates[2]!.resolve();
  await tick();
  await tick();
  expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  for (const g of gates) g.resolve();
  for (let i = 0; i < 10; i++) await tick();
  expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(limiter.stats()).toEqual({ active: 0, queued: 0, maxActive: 3, started: 10 });
});

test('synchronous tasks and tasks that throw release their slot', async () => {
  const limiter = createPushLimiter(1, 60_000);
  const ran: string[] = [];
  limiter.run(() => {
    ran.push('a');
    throw new Error('bug');
  });
  limiter.run(() => void ran.push('b'));
  limiter.run(() => void ran.push('c'));
  for (let i = 0; i < 5; i++) await tick();
  expect(ran).toEqual(['a', 'b', 'c']);
  expect(limiter.stats()).toMatchObject({ active: 0, queued: 0, maxActive: 1 });
});

test('a task that never settles loses its slot after holdTimeoutMs', async () => {
  const limiter = createPushLimiter(1, 20);
  const ran: string[] = [];
  limiter.run(() => {
    ran.push('stuck');
    return new Promise<void>(() => undefined);
  });
  limiter.run(() => void ran.push('next'));
  expect(ran).toEqual(['stuck']);
  await new Promise((r) => setTimeout(r, 60));
  expect(ran).toEqual(['stuck', 'next']);
});

test('rejects a limit below 1', () => {
  expect(() => createPushLimiter(0, 1000)).toThrow(/limit must be >= 1/);
});

test('the server tuning: 8 pushes at once by default, at least 1', () => {
  expect(resolveTuning({}).maxConcurrentPushes).toBe(8);
  expect(() => resolveTuning({ maxConcurrentPushes: 0 })).toThrow(
    /maxConcurrentPushes must be an integer >= 1/,
  );
  expect(() => resolveTuning({ maxConcurrentPushes: 1.5 })).toThrow(/maxConcurrentPushes/);
});
