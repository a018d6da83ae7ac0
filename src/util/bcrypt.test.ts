import { expect, test } from '@jest/globals';
import { bcryptDigest, decodeBase64, encodeBase64, parseBcryptHash, verifyBcrypt } from './bcrypt.js';

// The jBCrypt / OpenBSD test set (password, hash), cost 6 to keep the test quick.
const VECTORS: readonly (readonly [string, string])[] = [
  ['', '$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.'],
  ['a', '$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe'],
  ['abc', '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i'],
  ['abcdefghijklmnopqrstuvwxyz', '$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC'],
  ['~!@#$%^&*()      ~!@#$%^&*()PNBFRD', '$2a$06$fPIsBO8qRqkjj273rfaOI.HtSV9jLDpTbZn782DC6/t7qT67P6FfO'],
  // OpenBSD / Openwall crypt_blowfish vectors (cost 5).
  ['U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
  ['U*U*', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK'],
  ['U*U*U', '$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a'],
  // Made by libxcrypt's crypt(3) (cost 10, as htpasswd -B -C 10).
  ['password', '$2y$10$Causeway.e2e.test.saleTM//PtSq2WNsk/ugfyZvPM5ZaeilbuW'],
];

test.each(VECTORS)('the known vector for %j verifies, a wrong password does not', async (password, hash) => {
  await expect(verifyBcrypt(password, hash)).resolves.toBe(true);
  await expect(verifyBcrypt(`${password}x`, hash)).resolves.toBe(false);
});

test('$2b$ and $2y$ verify as $2a$ does', async () => {
  const [password, hash] = VECTORS[2]!;
  await expect(verifyBcrypt(password, hash.replace('$2a$', '$2b$'))).resolves.toBe(true);
  await expect(verifyBcrypt(password, hash.replace('$2a$', '$2y$'))).resolves.toBe(true);
});

test('a malformed hash or a cost out of range never verifies', async () => {
  expect(parseBcryptHash('$2a$03$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.')).toBeUndefined();
  expect(parseBcryptHash('$2a$32$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.')).toBeUndefined();
  expect(parseBcryptHash('$2x$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.')).toBeUndefined();
  expect(parseBcryptHash('{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=')).toBeUndefined();
  await expect(verifyBcrypt('', '$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s')).resolves.toBe(
    false,
  );
});

test('bcrypt base64 round-trips', () => {
  const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
  expect(decodeBase64(encodeBase64(bytes), 16)).toEqual(bytes);
});

test('a password beyond 72 bytes is cut there, as bcrypt defines', async () => {
  const salt = parseBcryptHash(VECTORS[0]![1])!.salt;
  const long = 'p'.repeat(72);
  expect(await bcryptDigest(`${long}ignored`, 4, salt)).toBe(await bcryptDigest(long, 4, salt));
});

test('verification yields to the event loop while it works', async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  await verifyBcrypt('abc', '$2a$08$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i');
  clearInterval(timer);
  expect(ticks).toBeGreaterThan(1);
});
