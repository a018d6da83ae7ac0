/**
 * bcrypt verification (`$2a$`, `$2b$`, `$2y$` htpasswd entries), written from the published algorithm
 * (Provos and Mazières, "A Future-Adaptable Password Scheme", 1999): EksBlowfish key setup, then 64
 * encryptions of "OrpheanBeholderScryDoubt". Verification only: Causeway never hashes a new password.
 *
 * Blowfish's initial P-array and S-boxes are the fractional hex digits of pi; they are computed once
 * (Machin's formula with BigInt, a few milliseconds) instead of being pasted as a table.
 * The expensive loop runs in chunks, yielding to the event loop between them (`setImmediate`), so one
 * verification at cost 10 never blocks it for more than a few milliseconds. The comparison of the
 * computed and stored hash is constant-time.
 */
import { timingSafeEqual } from 'node:crypto';

/** The costs (log2 of the rounds) this module accepts; htpasswd -B writes 5 by default, up to 17. */
export const MIN_BCRYPT_COST = 4;
export const MAX_BCRYPT_COST = 31;
/**
 * The highest cost Causeway accepts in an htpasswd Secret (translation leaves costlier entries out,
 * the verifier refuses them): cost 12 takes ~350 ms of one core in pure JS, cost 10 ~90 ms.
 */
export const BCRYPT_COST_LIMIT = 12;

const ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;
/** Iterations of the expensive loop between two yields to the event loop. */
const ROUNDS_PER_CHUNK = 16;

/** A parsed bcrypt hash. */
export interface BcryptHash {
  readonly cost: number;
  readonly salt: Uint8Array;
  /** The 31 characters of the encoded digest. */
  readonly digest: string;
}

/** The cost, salt and digest of a bcrypt hash, or undefined when it is not one this module verifies. */
export function parseBcryptHash(hash: string): BcryptHash | undefined {
  const m = BCRYPT_HASH.exec(hash);
  if (!m) return undefined;
  const cost = Number(m[1]);
  if (cost < MIN_BCRYPT_COST || cost > MAX_BCRYPT_COST) return undefined;
  return { cost, salt: decodeBase64(m[2]!, 16), digest: m[3]! };
}

/** bcrypt's base64 (its own alphabet, no padding) of `bytes`. */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1] ?? 0;
    const b2 = bytes[i + 2] ?? 0;
    out += ALPHABET[b0 >> 2]! + ALPHABET[((b0 & 3) << 4) | (b1 >> 4)]!;
    if (i + 1 < bytes.length) out += ALPHABET[((b1 & 15) << 2) | (b2 >> 6)]!;
    if (i + 2 < bytes.length) out += ALPHABET[b2 & 63]!;
  }
  return out;
}

/** The first `length` bytes that bcrypt's base64 `text` encodes. */
export function decodeBase64(text: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const ch of text) {
    acc = ((acc << 6) | ALPHABET.indexOf(ch)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < length) out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** `count` 32-bit words of pi's fractional hex digits (Machin: pi = 16 atan(1/5) - 4 atan(1/239)). */
function piWords(count: number): Uint32Array {
  const bits = BigInt(count * 32);
  const guard = 64n;
  const one = 1n << (bits + guard);
  const atanInv = (x: bigint): bigint => {
    let sum = 0n;
    let term = one / x;
    const x2 = x * x;
    for (let k = 0n; term !== 0n; k++) {
      sum += (k & 1n ? -term : term) / (2n * k + 1n);
      term /= x2;
    }
    return sum;
  };
  const pi = 16n * atanInv(5n) - 4n * atanInv(239n);
  const frac = (pi & (one - 1n)) >> guard;
  const hex = frac.toString(16).padStart(count * 8, '0');
  const words = new Uint32Array(count);
  for (let i = 0; i < count; i++) words[i] = parseInt(hex.slice(i * 8, i * 8 + 8), 16);
  return words;
}

let initial: Uint32Array | undefined;
/** Blowfish's initial state: P (18 words) then the four S-boxes (4 x 256), computed on first use. */
function initialState(): Uint32Array {
  initial ??= piWords(18 + 1024);
  return initial;
}

/** Blowfish state: P in words 0-17, S-box k in words 18 + 256k ... */
type State = Uint32Array;

/** Encrypts block `lr` (two words) in place. */
function encrypt(st: State, lr: Uint32Array): void {
  let l = lr[0]!;
  let r = lr[1]!;
  const f = (x: number): number =>
    ((((st[18 + (x >>> 24)]! + st[274 + ((x >>> 16) & 0xff)]!) ^ st[530 + ((x >>> 8) & 0xff)]!) >>> 0) +
      st[786 + (x & 0xff)]!) >>>
    0;
  l ^= st[0]!;
  for (let i = 1; i <= 16; i += 2) {
    r ^= f(l >>> 0) ^ st[i]!;
    l ^= f(r >>> 0) ^ st[i + 1]!;
  }
  r ^= st[17]!;
  lr[0] = r >>> 0;
  lr[1] = l >>> 0;
}

/** The next big-endian word of `data`, cycling; `pos` is the offset, advanced. */
function streamWord(data: Uint8Array, pos: { i: number }): number {
  let w = 0;
  for (let k = 0; k < 4; k++) {
    w = (w << 8) | data[pos.i]!;
    pos.i = (pos.i + 1) % data.length;
  }
  return w >>> 0;
}

/** Blowfish's key schedule mixed with `salt` (EksBlowfish's ExpandKey); no salt: the plain schedule. */
function expandKey(st: State, key: Uint8Array, salt?: Uint8Array): void {
  const kp = { i: 0 };
  for (let i = 0; i < 18; i++) st[i] = (st[i]! ^ streamWord(key, kp)) >>> 0;
  const sp = { i: 0 };
  const lr = new Uint32Array(2);
  for (let i = 0; i < st.length; i += 2) {
    if (salt) {
      lr[0] = lr[0]! ^ streamWord(salt, sp);
      lr[1] = lr[1]! ^ streamWord(salt, sp);
    }
    encrypt(st, lr);
    st[i] = lr[0]!;
    st[i + 1] = lr[1]!;
  }
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The 31-character encoded digest of `password` with `cost` and `salt` (yields between chunks). */
export async function bcryptDigest(password: string, cost: number, salt: Uint8Array): Promise<string> {
  // The key is the password's bytes and a NUL, at most 72 bytes ($2a$/$2b$/$2y$ agree there).
  const utf8 = Buffer.from(password, 'utf8');
  const key = new Uint8Array(Math.min(utf8.length + 1, 72));
  key.set(utf8.subarray(0, key.length));
  const st: State = Uint32Array.from(initialState());
  expandKey(st, key, salt);
  const rounds = 2 ** cost;
  for (let done = 0; done < rounds;) {
    const end = Math.min(rounds, done + ROUNDS_PER_CHUNK);
    for (; done < end; done++) {
      expandKey(st, key);
      expandKey(st, salt);
    }
    if (done < rounds) await yieldToLoop();
  }
  const text = Buffer.from('OrpheanBeholderScryDoubt', 'latin1');
  const ctext = new Uint32Array(6);
  for (let i = 0; i < 6; i++) ctext[i] = text.readUInt32BE(i * 4);
  const lr = new Uint32Array(2);
  for (let j = 0; j < 6; j += 2) {
    lr[0] = ctext[j]!;
    lr[1] = ctext[j + 1]!;
    for (let i = 0; i < 64; i++) encrypt(st, lr);
    ctext[j] = lr[0]!;
    ctext[j + 1] = lr[1]!;
  }
  const out = Buffer.alloc(24);
  ctext.forEach((w, i) => out.writeUInt32BE(w, i * 4));
  return encodeBase64(out.subarray(0, 23));
}

/** Whether `password` matches the bcrypt `hash` (false for a hash this module does not verify). */
export async function verifyBcrypt(password: string, hash: string): Promise<boolean> {
  const parsed = parseBcryptHash(hash);
  if (!parsed) return false;
  const digest = await bcryptDigest(password, parsed.cost, parsed.salt);
  return timingSafeEqual(Buffer.from(digest, 'latin1'), Buffer.from(parsed.digest, 'latin1'));
}
