/**
 * PEM private keys in text: finding them (a `tls.crt` must hold none) and redacting them wherever
 * output is produced (`/debug/config`, `causeway translate`). Any `-----BEGIN ... PRIVATE KEY-----`
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

/** Where the block that starts at `from` ends: after its END line, or the end of the text if it has none. */
function blockEnd(text: string, from: number): number {
  let at = text.indexOf(END_PREFIX, from);
  while (at >= 0) {
    const lineEnd = text.indexOf('-----', at + END_PREFIX.length);
    if (lineEnd < 0) break;
    const close = lineEnd + 5;
    if (text.slice(at, close).endsWith(END_SUFFIX)) return close;
    at = text.indexOf(END_PREFIX, close);
  }
  return text.length;
}

/** `text` with every PEM private key block (BEGIN to END line, or to the end when unterminated) redacted. */
export function redactPrivateKeys(text: string): string {
  if (!text.includes('PRIVATE KEY-----')) return text;
  let out = '';
  let pos = 0;
  BEGIN.lastIndex = 0;
  for (let m = BEGIN.exec(text); m !== null; m = BEGIN.exec(text)) {
    if (m.index < pos) continue;
    const end = blockEnd(text, m.index + m[0].length);
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
