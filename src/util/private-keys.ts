/**
 * PEM private keys in text: finding them (a `tls.crt` must hold none) and redacting them wherever
 * output is produced (`/debug/config`, `causeway translate`, every log line). Any `-----BEGIN ... PRIVATE KEY-----`
 * block counts (PKCS#8, `RSA`, `EC`, `ENCRYPTED`, `OPENSSH`...). Pure, linear in the text's length.
 */

/** What a redacted private key becomes. */
export const REDACTED_PRIVATE_KEY = '[redacted private key]';

/** The BEGIN line of any PEM private key (a bounded label, so no backtracking blow-up). */
const BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----/g;
const END_PREFIX = '-----END ';
const END_SUFFIX = 'PRIVATE KEY-----';

/** True when `text` holds the BEGIN line of a PEM private key. */
export function containsPrivateKey(text: string): boolean {
  BEGIN.lastIndex = 0;
  return BEGIN.test(text);
}

/**
 * Where the block that starts at `from` ends: after its END line, or at `limit` if it has none before
 * (the end of the text, or of the JSON string it sits in).
 */
function blockEnd(text: string, from: number, limit: number): number {
  let at = text.indexOf(END_PREFIX, from);
  if (at >= limit) at = -1;
  while (at >= 0) {
    const lineEnd = text.indexOf('-----', at + END_PREFIX.length);
    if (lineEnd < 0) break;
    const close = lineEnd + 5;
    if (close > limit) break;
    if (text.slice(at, close).endsWith(END_SUFFIX)) return close;
    at = text.indexOf(END_PREFIX, close);
  }
  return limit;
}

/**
 * `text` with every PEM private key block (BEGIN to END line, or to the end when unterminated) redacted.
 * With `jsonLine`, `text` is serialized JSON (a log line): an unterminated block ends at the end of its
 * JSON string (the next `"`), so the line stays valid JSON.
 */
export function redactPrivateKeys(text: string, jsonLine = false): string {
  if (!text.includes('PRIVATE KEY-----')) return text;
  let out = '';
  let pos = 0;
  BEGIN.lastIndex = 0;
  for (let m = BEGIN.exec(text); m !== null; m = BEGIN.exec(text)) {
    if (m.index < pos) continue;
    const from = m.index + m[0].length;
    const quote = jsonLine ? text.indexOf('"', from) : -1;
    const end = blockEnd(text, from, quote >= 0 ? quote : text.length);
    out += text.slice(pos, m.index) + REDACTED_PRIVATE_KEY;
    pos = end;
    BEGIN.lastIndex = end;
  }
  return out + text.slice(pos);
}

/** A deep copy of a JSON-like value with every string's private keys redacted. */
export function redactPrivateKeysDeep(value: unknown): unknown {
  if (typeof value === 'string') return redactPrivateKeys(value);
  if (Array.isArray(value)) return value.map(redactPrivateKeysDeep);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactPrivateKeysDeep(v)]));
}
