/**
 * htpasswd content for basic auth (`causeway.dev/auth-secret`): an `auth-file` (the Secret's `auth` key
 * holds `user:hash` lines, as `htpasswd` writes them) or an `auth-map` (each key of the Secret is a user,
 * its value the hash). Pure.
 *
 * `{SHA}` entries are usable (the gateway's basic_auth filter verifies them locally), and bcrypt
 * (`$2a$`, `$2b$`, `$2y$`) entries up to cost 12 (the controller verifies them: a Secret with one makes
 * its routes ask the controller, basic-auth.ts). Costlier bcrypt, apr1 (`$apr1$`) and crypt (`$1$`,
 * `$5$`, `$6$`, DES) entries are recognised and left out with a problem naming the line and the user
 * (never the hash). Blank lines and `#`
 * comments are skipped, CRLF line ends accepted. A user listed twice keeps its first entry, as nginx's
 * `auth_basic_user_file` does (it stops at the first matching line); the later line is a problem.
 * Problems never quote a hash or a password: a line that does not parse is named by its number only.
 */
import { BCRYPT_COST_LIMIT, parseBcryptHash } from '../../util/bcrypt.js';

/** One usable entry: the user and its `{SHA}` hash (base64 of the 20-byte SHA-1 of the password) or bcrypt hash. */
export interface HtpasswdUser {
  readonly user: string;
  readonly hash: string;
}

export interface HtpasswdResult {
  /** Usable entries, sorted by user, one per user. */
  readonly users: readonly HtpasswdUser[];
  /** What was left out and why (line numbers and user names only), in line order. */
  readonly problems: readonly string[];
}

/** Envoy refuses anything but a 28-character base64 SHA-1 after `{SHA}`. */
const SHA_HASH = /^\{SHA\}[A-Za-z0-9+/]{27}=$/;
/** A user name Envoy and a browser agree on: printable ASCII without `:` or spaces, at most 256. */
const USER_NAME = /^[\x21-\x39\x3b-\x7e]{1,256}$/;
/** The most lines (or map entries) one Secret may hold. */
export const MAX_HTPASSWD_ENTRIES = 10000;

const UNSUPPORTED: readonly (readonly [RegExp, string])[] = [
  [/^\$2[aby]\$\d\d\$/, 'bcrypt'],
  [/^\$apr1\$/, 'apr1 (Apache MD5)'],
  [/^\$[156]\$/, 'crypt (MD5 or SHA-2)'],
  [/^[./0-9A-Za-z]{13}$/, 'crypt (DES)'],
];

type EntryCheck = { readonly ok: true } | { readonly ok: false; readonly why: string };

/** Whether `hash` is a `{SHA}` entry (verified by the gateway itself). */
export function isShaHash(hash: string): boolean {
  return SHA_HASH.test(hash);
}

/** Whether `hash` is a usable `{SHA}` or bcrypt entry, else what it is (never quoting it). */
export function checkHash(hash: string): EntryCheck {
  if (SHA_HASH.test(hash)) return { ok: true };
  const bcrypt = parseBcryptHash(hash);
  if (bcrypt && bcrypt.cost <= BCRYPT_COST_LIMIT) return { ok: true };
  if (bcrypt)
    return {
      ok: false,
      why: `its bcrypt cost ${bcrypt.cost} is above ${BCRYPT_COST_LIMIT} (htpasswd -B -C ${BCRYPT_COST_LIMIT})`,
    };
  if (hash.startsWith('{SHA}')) return { ok: false, why: 'its {SHA} hash is not 28 characters of base64' };
  for (const [re, what] of UNSUPPORTED)
    if (re.test(hash))
      return {
        ok: false,
        why: `its ${what} hash is not supported (only {SHA} and bcrypt entries are: htpasswd -s or -B)`,
      };
  return { ok: false, why: 'its hash is of no known htpasswd format' };
}

/** Collects users, keeping the first entry of a user and a problem for every later one. */
class UserCollector {
  private readonly byUser = new Map<string, HtpasswdUser>();
  private readonly seen = new Set<string>();
  readonly problems: string[] = [];

  add(where: string, user: string, hash: string): void {
    if (!USER_NAME.test(user)) {
      this.problems.push(`${where}: the user name is empty, too long or holds a space or control character`);
      return;
    }
    if (this.seen.has(user)) {
      this.problems.push(`${where}: user "${user}" is listed again (its first entry is used)`);
      return;
    }
    this.seen.add(user);
    const check = checkHash(hash);
    if (check.ok) this.byUser.set(user, { user, hash });
    else this.problems.push(`${where}: user "${user}" is left out: ${check.why}`);
  }

  result(): HtpasswdResult {
    const users = [...this.byUser.values()].sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
    return { users, problems: this.problems };
  }
}

/** The entries of an htpasswd file (`auth-file`); `key` names the Secret key in problems. */
export function parseHtpasswdFile(text: string, key: string): HtpasswdResult {
  const c = new UserCollector();
  const lines = text.split('\n');
  if (lines.length > MAX_HTPASSWD_ENTRIES)
    return { users: [], problems: [`${key} has more than ${MAX_HTPASSWD_ENTRIES} lines`] };
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const where = `${key} line ${i + 1}`;
    const colon = trimmed.indexOf(':');
    if (colon < 0) {
      c.problems.push(`${where} is not "user:hash"`);
      return;
    }
    c.add(where, trimmed.slice(0, colon), trimmed.slice(colon + 1));
  });
  return c.result();
}

/** The entries of an `auth-map` Secret: every key a user, its (decoded) value the hash. */
export function parseHtpasswdMap(data: Readonly<Record<string, string>>): HtpasswdResult {
  const c = new UserCollector();
  const keys = Object.keys(data).sort();
  if (keys.length > MAX_HTPASSWD_ENTRIES)
    return { users: [], problems: [`the Secret has more than ${MAX_HTPASSWD_ENTRIES} keys`] };
  for (const user of keys) c.add(`key "${USER_NAME.test(user) ? user : '?'}"`, user, data[user]!.trim());
  return c.result();
}
