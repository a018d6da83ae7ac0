/**
 * Parses a byte-size flag: a whole number of bytes, optionally with a binary suffix (`Ki`, `Mi`, `Gi`,
 * with or without a trailing `B`), e.g. `8388608`, `8Mi`, `256MiB`. A bad value is commander's
 * InvalidArgumentError (exit 2 with the flag's name).
 */
import { InvalidArgumentError } from 'commander';

const UNITS: Readonly<Record<string, number>> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

export function parseByteSizeFlag(value: string): number {
  const m = /^(\d{1,15})(Ki|Mi|Gi)?B?$/.exec(value.trim());
  const n = m ? Number(m[1]) * UNITS[m[2] ?? '']! : NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`"${value}" is not a size in bytes (e.g. 8388608, 8Mi, 256MiB).`);
  return n;
}
