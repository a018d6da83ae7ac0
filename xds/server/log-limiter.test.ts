/** The rate limit of client-triggered log lines. */
import { LogLimiter } from './log-limiter.js';

test('at most perWindow lines a window; the first line of the next window says how many were dropped', () => {
  const limiter = new LogLimiter(2, 1000);
  const at = (now: number): string => {
    const d = limiter.take(now);
    return d.log ? `log+${d.suppressed}` : 'drop';
  };
  expect([at(0), at(10), at(20), at(30), at(999)]).toEqual(['log+0', 'log+0', 'drop', 'drop', 'drop']);
  expect([at(1000), at(1001), at(1002)]).toEqual(['log+3', 'log+0', 'drop']);
  expect(at(5000)).toBe('log+1');
});
