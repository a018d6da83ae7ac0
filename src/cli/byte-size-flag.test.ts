import { InvalidArgumentError } from 'commander';
import { parseByteSizeFlag } from './byte-size-flag.js';

describe('parseByteSizeFlag', () => {
  it('reads bytes and binary suffixes', () => {
    expect(parseByteSizeFlag('1000')).toBe(1000);
    expect(parseByteSizeFlag('8Mi')).toBe(8 * 1024 * 1024);
    expect(parseByteSizeFlag('256MiB')).toBe(256 * 1024 * 1024);
    expect(parseByteSizeFlag('1Gi')).toBe(1024 ** 3);
    expect(parseByteSizeFlag('4Ki')).toBe(4096);
  });

  it.each(['0', '', '8MB', '-1', '1.5Mi', 'lots', '8 Mi'])('refuses %j', (v) => {
    expect(() => parseByteSizeFlag(v)).toThrow(InvalidArgumentError);
  });
});
