import { createHash } from 'node:crypto';
import { checkHash, MAX_HTPASSWD_ENTRIES, parseHtpasswdFile, parseHtpasswdMap } from './htpasswd.js';

function sha(password: string): string {
  return `{SHA}${createHash('sha1').update(password).digest('base64')}`;
}

const BCRYPT = '$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC';
const BCRYPT_13 = '$2y$13$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC';
const APR1 = '$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/';

describe('parseHtpasswdFile', () => {
  test('{SHA} entries are used, sorted by user; comments, blank lines and CRLF are accepted', () => {
    const text = `# team\r\nzoe:${sha('z')}\r\n\r\n  \nalice:${sha('test1')}\n`;
    expect(parseHtpasswdFile(text, 'auth')).toEqual({
      users: [
        { user: 'alice', hash: '{SHA}tESsBmE/yNY3lb6a0L6vVQEZNqw=' },
        { user: 'zoe', hash: sha('z') },
      ],
      problems: [],
    });
  });

  test('bcrypt above cost 12, apr1 and crypt entries are left out, naming line and user but never the hash', () => {
    const text = [
      `bob:${BCRYPT_13}`,
      `carol:${APR1}`,
      'dave:$6$salt$abc',
      'erin:abJnggxhB/yWI',
      `ok:${sha('p')}`,
    ].join('\n');
    const r = parseHtpasswdFile(text, 'auth');
    expect(r.users.map((u) => u.user)).toEqual(['ok']);
    expect(r.problems).toEqual([
      'auth line 1: user "bob" is left out: its bcrypt cost 13 is above 12 (htpasswd -B -C 12)',
      'auth line 2: user "carol" is left out: its apr1 (Apache MD5) hash is not supported (only {SHA} and bcrypt entries are: htpasswd -s or -B)',
      'auth line 3: user "dave" is left out: its crypt (MD5 or SHA-2) hash is not supported (only {SHA} and bcrypt entries are: htpasswd -s or -B)',
      'auth line 4: user "erin" is left out: its crypt (DES) hash is not supported (only {SHA} and bcrypt entries are: htpasswd -s or -B)',
    ]);
    const all = r.problems.join('\n');
    for (const secretPart of [BCRYPT_13, APR1, '$6$salt$abc', 'abJnggxhB/yWI'])
      expect(all).not.toContain(secretPart);
  });

  test('a duplicate user keeps its first entry (as nginx), the later line is a problem', () => {
    const r = parseHtpasswdFile(`a:${sha('1')}\na:${sha('2')}\n`, 'auth');
    expect(r.users).toEqual([{ user: 'a', hash: sha('1') }]);
    expect(r.problems).toEqual(['auth line 2: user "a" is listed again (its first entry is used)']);
  });

  test('malformed lines are named by number only: no colon, empty user, bad {SHA}, plain text', () => {
    const r = parseHtpasswdFile(`justapassword\n:${sha('x')}\nu:{SHA}short\nv:plaintext-pw\n`, 'auth');
    expect(r.users).toEqual([]);
    expect(r.problems).toEqual([
      'auth line 1 is not "user:hash"',
      'auth line 2: the user name is empty, too long or holds a space or control character',
      'auth line 3: user "u" is left out: its {SHA} hash is not 28 characters of base64',
      'auth line 4: user "v" is left out: its hash is of no known htpasswd format',
    ]);
    expect(r.problems.join('\n')).not.toMatch(/justapassword|plaintext-pw|short/);
  });

  test('a user name with a space or a control character is refused', () => {
    const r = parseHtpasswdFile(`a b:${sha('1')}\nc\u0001:${sha('1')}`, 'auth');
    expect(r.users).toEqual([]);
    expect(r.problems).toHaveLength(2);
  });

  test('an empty file has no users and no problems; too many lines is one problem', () => {
    expect(parseHtpasswdFile('', 'auth')).toEqual({ users: [], problems: [] });
    const big = Array.from({ length: MAX_HTPASSWD_ENTRIES + 1 }, (_, i) => `u${i}:${sha('p')}`).join('\n');
    expect(parseHtpasswdFile(big, 'auth')).toEqual({
      users: [],
      problems: [`auth has more than ${MAX_HTPASSWD_ENTRIES} lines`],
    });
  });
});

describe('parseHtpasswdMap', () => {
  test('keys are users, values hashes (trailing newline trimmed); unsupported ones are problems', () => {
    const r = parseHtpasswdMap({ bob: `${sha('b')}\n`, amy: APR1, cid: BCRYPT });
    expect(r.users).toEqual([
      { user: 'bob', hash: sha('b') },
      { user: 'cid', hash: BCRYPT },
    ]);
    expect(r.problems).toEqual([
      'key "amy": user "amy" is left out: its apr1 (Apache MD5) hash is not supported (only {SHA} and bcrypt entries are: htpasswd -s or -B)',
    ]);
  });
});

test('bcrypt entries up to cost 12 are usable', () => {
  const r = parseHtpasswdFile(`bob:${BCRYPT}\nok:${sha('p')}`, 'auth');
  expect(r).toEqual({
    users: [
      { user: 'bob', hash: BCRYPT },
      { user: 'ok', hash: sha('p') },
    ],
    problems: [],
  });
  expect(checkHash(BCRYPT.replace('$05$', '$12$')).ok).toBe(true);
  expect(checkHash(BCRYPT.replace('$05$', '$03$')).ok).toBe(false);
});

test('checkHash accepts exactly a 28-character base64 {SHA}', () => {
  expect(checkHash(sha('x')).ok).toBe(true);
  expect(checkHash(`${sha('x')}=`).ok).toBe(false);
  expect(checkHash('{SHA}').ok).toBe(false);
});
