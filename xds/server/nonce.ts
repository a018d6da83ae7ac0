/**
 * Response nonces: a random prefix per server start plus a counter, so that a nonce is never reused,
 * not even by another server process a reconnecting client talked to before.
 */
import { randomBytes } from 'node:crypto';

export type NonceSource = () => string;

export function createNonceSource(prefix: string = randomBytes(6).toString('hex')): NonceSource {
  let counter = 0;
  return () => `${prefix}-${(++counter).toString(36)}`;
}
