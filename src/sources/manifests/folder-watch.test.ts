import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { ChangeCoalescer, type ChangeBatch } from './folder-watch.js';

const TIMING = { debounceMs: 10, atomicQuietMs: 2, maxDelayMs: 250 };

function coalescer(): { c: ChangeCoalescer; batches: ChangeBatch[] } {
  const batches: ChangeBatch[] = [];
  return { c: new ChangeCoalescer(TIMING, (b) => batches.push(b)), batches };
}

describe('ChangeCoalescer', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  test('one file renamed into place goes after the short quiet period, marked atomic', () => {
    const { c, batches } = coalescer();
    c.addEvent('', 'app.yaml', 'rename');
    c.addEvent('', '.app.yaml.tmp', 'rename'); // the editor's temp file: ignored
    jest.advanceTimersByTime(TIMING.atomicQuietMs - 1);
    expect(batches).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(batches).toEqual([{ paths: ['app.yaml'], dirs: [], atomic: true }]);
  });

  test('a file written in place waits for the full quiet period after its last event', () => {
    const { c, batches } = coalescer();
    c.addEvent('', 'app.yaml', 'change');
    jest.advanceTimersByTime(8);
    c.addEvent('', 'app.yaml', 'change'); // the writer goes on: the quiet period starts again
    jest.advanceTimersByTime(TIMING.debounceMs - 1);
    expect(batches).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(batches).toEqual([{ paths: ['app.yaml'], dirs: [], atomic: false }]);
  });

  test('a created file that is then written (rename, then change) is not atomic', () => {
    const { c, batches } = coalescer();
    c.addEvent('sub', 'app.yaml', 'rename');
    jest.advanceTimersByTime(1);
    c.addEvent('sub', 'app.yaml', 'change');
    jest.advanceTimersByTime(TIMING.atomicQuietMs + 1);
    expect(batches).toEqual([]);
    jest.advanceTimersByTime(TIMING.debounceMs);
    expect(batches).toEqual([{ paths: ['sub/app.yaml'], dirs: [], atomic: false }]);
  });

  test('several paths, or a folder to rescan, wait for the full quiet period', () => {
    const { c, batches } = coalescer();
    c.addEvent('', 'b.yaml', 'rename');
    c.addEvent('', 'a.yaml', 'rename');
    jest.advanceTimersByTime(TIMING.debounceMs - 1);
    c.addEvent('', null, 'rename');
    jest.advanceTimersByTime(TIMING.debounceMs);
    expect(batches).toEqual([{ paths: ['a.yaml', 'b.yaml'], dirs: [''], atomic: false }]);
  });

  test('a re-check (addPath) waits for the full quiet period', () => {
    const { c, batches } = coalescer();
    c.addPath('gone.yaml');
    jest.advanceTimersByTime(TIMING.debounceMs - 1);
    expect(batches).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(batches).toEqual([{ paths: ['gone.yaml'], dirs: [], atomic: false }]);
  });

  test('a storm (1,000 files, one every 0.2 ms) is one batch, and a longer one is cut at the cap', () => {
    const { c, batches } = coalescer();
    for (let i = 0; i < 1000; i++) {
      c.addEvent('', `f-${String(i).padStart(4, '0')}.yaml`, i % 2 === 0 ? 'rename' : 'change');
      jest.advanceTimersByTime(0.2);
    }
    jest.advanceTimersByTime(TIMING.debounceMs);
    expect(batches.map((b) => b.paths.length)).toEqual([1000]);

    // Events every 5 ms for 600 ms: never quiet, so a batch goes every maxDelayMs.
    batches.length = 0;
    for (let t = 0; t < 600; t += 5) {
      c.addEvent('', `g-${t}.yaml`, 'change');
      jest.advanceTimersByTime(5);
    }
    jest.advanceTimersByTime(TIMING.debounceMs);
    expect(batches.map((b) => b.paths.length)).toEqual([50, 50, 20]);
  });
});
