/**
 * Password checks for the controller's basic auth service (ext-authz-service.ts): an htpasswd entry
 * (`{SHA}` or bcrypt) against the password a client sent. SHA is htpasswd's `{SHA}` + base64(sha1(password));
 * bcrypt is src/util/bcrypt.ts. Both comparisons are constant-time.
 *
 * bcrypt is slow on purpose, so: successful checks are remembered for a while (a bounded LRU keyed by a
 * SHA-256 of Secret, user, password and hash: the password itself is never kept), at most
 * `maxConcurrent` bcrypt checks run at once, at most `maxQueued` wait (beyond that a check fails with
 * `BusyError`, which the service answers as an error: the gateway's 503), and an entry whose cost is
 * above `maxCost` is refused (translation leaves such entries out already).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { BCRYPT_COST_LIMIT, parseBcryptHash, verifyBcrypt } from '../../src/util/bcrypt.js';

export interface VerifierOptions {
  readonly cacheSize?: number;
  readonly cacheTtlMs?: number;
  readonly maxConcurrent?: number;
  readonly maxQueued?: number;
  readonly maxCost?: number;
  /** Clock (tests). */
  readonly now?: () => number;
}

export class BusyError extends Error {
  constructor() {
    super('too many password checks waiting');
  }
}

export interface PasswordVerifier {
  /** Whether `password` matches `hash` (an entry of Secret `secret` for `user`). */
  verify(secret: string, user: string, password: string, hash: string): Promise<boolean>;
  /** Checks served from the cache, bcrypt checks run (tests, metrics). */
  stats(): { readonly cached: number; readonly bcrypt: number };
}

/** htpasswd's `{SHA}` check: base64 of the SHA-1 of the password, compared in constant time. */
export function verifySha(password: string, hash: string): boolean {
  if (!hash.startsWith('{SHA}')) return false;
  const want = Buffer.from(hash.slice('{SHA}'.length), 'latin1');
  const got = Buffer.from(createHash('sha1').update(password, 'utf8').digest('base64'), 'latin1');
  return want.length === got.length && timingSafeEqual(want, got);
}

/** A counting gate: at most `max` holders, at most `maxQueued` waiting. */
function createGate(max: number, maxQueued: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (running >= max) {
      if (waiting.length >= maxQueued) throw new BusyError();
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else running++;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

export function createPasswordVerifier(options: VerifierOptions = {}): PasswordVerifier {
  const cacheSize = options.cacheSize ?? 10_000;
  const ttlMs = options.cacheTtlMs ?? 5 * 60_000;
  const maxCost = options.maxCost ?? BCRYPT_COST_LIMIT;
  const now = options.now ?? Date.now;
  const gate = createGate(options.maxConcurrent ?? 2, options.maxQueued ?? 256);
  /** Successful checks: key -> expiry; Map order is the LRU order (oldest first). */
  const cache = new Map<string, number>();
  const counts = { cached: 0, bcrypt: 0 };

  const keyOf = (...parts: string[]): string => {
    const h = createHash('sha256');
    for (const p of parts) h.update(`${p.length}:${p}`);
    return h.digest('base64');
  };
  const remembered = (key: string): boolean => {
    const expiry = cache.get(key);
    if (expiry === undefined) return false;
    cache.delete(key);
    if (expiry <= now()) return false;
    cache.set(key, expiry);
    return true;
  };
  const remember = (key: string): void => {
    cache.delete(key);
    cache.set(key, now() + ttlMs);
    while (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
  };

  return {
    async verify(secret, user, password, hash) {
      if (hash.startsWith('{SHA}')) return verifySha(password, hash);
      const parsed = parseBcryptHash(hash);
      if (!parsed || parsed.cost > maxCost) return false;
      const key = keyOf(secret, user, password, hash);
      if (remembered(key)) {
        counts.cached++;
        return true;
      }
      const ok = await gate(() => {
        counts.bcrypt++;
        return verifyBcrypt(password, hash);
      });
      if (ok) remember(key);
      return ok;
    },
    stats: () => ({ ...counts }),
  };
}
