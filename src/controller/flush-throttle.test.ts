import { describe, expect, jest, test } from '@jest/globals';
import { FlushThrottle } from './flush-throttle.js';

function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

describe('FlushThrottle', () => {
  test('a lone change flushes once its caller returns (a microtask, no event-loop turn), with no holdoff', async () => {
    const flush = jest.fn();
    const t = new FlushThrottle(flush, 60_000);
    t.poke();
    t.poke();
    expect(flush).not.toHaveBeenCalled();
    await Promise.resolve();
    expect(flush).toHaveBeenCalledTimes(1);
    await tick();
    expect(flush).toHaveBeenCalledTimes(1);
  });

  test('changes during the gap after a flush are coalesced into one flush at its end', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'performance'] });
    try {
      let clock = 0;
      const flush = jest.fn();
      const t = new FlushThrottle(flush, 10, () => clock);
      t.poke();
      await tick();
      expect(flush).toHaveBeenCalledTimes(1);
      clock = 3;
      t.poke();
      t.poke();
      jest.advanceTimersByTime(6);
      expect(flush).toHaveBeenCalledTimes(1);
      jest.advanceTimersByTime(1);
      expect(flush).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });

  test('a steady stream is flushed every gap (never starved until silence)', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'performance'], now: 0 });
    try {
      const flushedAt: number[] = [];
      const t = new FlushThrottle(
        () => flushedAt.push(Date.now()),
        10,
        () => Date.now(),
      );
      t.poke();
      await tick();
      for (let ms = 1; ms <= 50; ms++) {
        jest.advanceTimersByTime(1);
        t.poke();
      }
      jest.advanceTimersByTime(10);
      // One immediate flush at 0, then one every 10 ms while the stream lasts.
      expect(flushedAt).toEqual([0, 10, 20, 30, 40, 50, 60]);
    } finally {
      jest.useRealTimers();
    }
  });

  test('the gap counts from the end of a flush, not its start', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'performance'] });
    try {
      let clock = 0;
      const flush = jest.fn(() => {
        clock += 25; // a slow flush
      });
      const t = new FlushThrottle(flush, 10, () => clock);
      t.poke();
      await tick();
      t.poke(); // at 25: the next flush may come at 35, not 10
      jest.advanceTimersByTime(9);
      expect(flush).toHaveBeenCalledTimes(1);
      jest.advanceTimersByTime(1);
      expect(flush).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });

  test('cancel drops a scheduled flush', async () => {
    const flush = jest.fn();
    const t = new FlushThrottle(flush, 10);
    t.poke();
    t.cancel();
    await tick();
    await new Promise((r) => setTimeout(r, 20));
    expect(flush).not.toHaveBeenCalled();
  });
});
