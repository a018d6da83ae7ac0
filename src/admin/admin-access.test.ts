/** The admin access rules: Host normalization and allow-list, bearer parsing, token compare, token file, bind rule. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CausewayError } from '../errors.js';
import {
  allowedHostsFor,
  bearerTokenOf,
  checkMutatingApiBind,
  hostNameOf,
  isAllowedHost,
  parseAllowedHostsFlag,
  readAdminToken,
  tokensMatch,
} from './admin-access.js';

const TOKEN = 'c0ffee-0123456789abcdef';

function tempFile(content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-admin-token-'));
  const file = path.join(dir, 'token');
  fs.writeFileSync(file, content);
  return file;
}

test('hostNameOf drops the port, IPv6 brackets, case and a trailing dot; malformed headers give undefined', () => {
  expect(hostNameOf('LocalHost:19000')).toBe('localhost');
  expect(hostNameOf('[::1]:19000')).toBe('::1');
  expect(hostNameOf('10.0.0.7')).toBe('10.0.0.7');
  expect(hostNameOf('causeway-admin.causeway-system.svc.:80')).toBe('causeway-admin.causeway-system.svc');
  for (const bad of [undefined, '', ':19000', 'a b', 'user@evil.example', 'evil.example/x', '[zz]:1']) {
    expect([bad, hostNameOf(bad)]).toEqual([bad, undefined]);
  }
});

test('allowed hosts: loopback always, the bound address, all interface addresses for a wildcard bind, extras', () => {
  const interfaces = {
    lo: [{ address: '127.0.0.1' }, { address: '::1' }],
    eth0: [{ address: '10.1.2.3' }, { address: 'FE80::1%eth0' }],
  } as unknown as NodeJS.Dict<os.NetworkInterfaceInfo[]>;
  expect(allowedHostsFor(['127.0.0.1'], [], interfaces)).toEqual(['127.0.0.1', '::1', 'localhost']);
  expect(allowedHostsFor(['192.0.2.5'], ['Admin.Example'], interfaces)).toEqual([
    '127.0.0.1',
    '192.0.2.5',
    '::1',
    'admin.example',
    'localhost',
  ]);
  expect(allowedHostsFor(['0.0.0.0'], [], interfaces)).toEqual([
    '10.1.2.3',
    '127.0.0.1',
    '::1',
    'fe80::1',
    'localhost',
  ]);
});

test('isAllowedHost: a rebinding name is refused, allowed names with any port pass', () => {
  const allowed = allowedHostsFor(['127.0.0.1'], ['admin.example'], {});
  expect(isAllowedHost('127.0.0.1:29000', allowed)).toBe(true);
  expect(isAllowedHost('admin.example', allowed)).toBe(true);
  expect(isAllowedHost('[::1]:1', allowed)).toBe(true);
  expect(isAllowedHost('rebind.example:29000', allowed)).toBe(false);
  expect(isAllowedHost('localhost.rebind.example', allowed)).toBe(false);
  expect(isAllowedHost(undefined, allowed)).toBe(false);
});

test('--admin-allowed-hosts: comma-separated and repeatable; wildcards and garbage are usage errors', () => {
  expect(parseAllowedHostsFlag(['a.example, B.example', '[::1]', ''])).toEqual([
    'a.example',
    'b.example',
    '::1',
  ]);
  expect(() => parseAllowedHostsFlag(['*'])).toThrow(/no wildcards/);
  expect(() => parseAllowedHostsFlag(['http://x/'])).toThrow(CausewayError);
});

test('bearerTokenOf reads "Bearer <token>" only', () => {
  expect(bearerTokenOf(`Bearer ${TOKEN}`)).toBe(TOKEN);
  expect(bearerTokenOf(`bearer  ${TOKEN}`)).toBe(TOKEN);
  expect(bearerTokenOf(`Basic ${TOKEN}`)).toBeUndefined();
  expect(bearerTokenOf('Bearer')).toBeUndefined();
  expect(bearerTokenOf(undefined)).toBeUndefined();
  expect(bearerTokenOf([`Bearer ${TOKEN}`])).toBeUndefined();
});

test('tokensMatch: equal tokens match; any other (shorter, longer, one character off) does not', () => {
  expect(tokensMatch(TOKEN, TOKEN)).toBe(true);
  expect(tokensMatch(TOKEN.slice(0, -1), TOKEN)).toBe(false);
  expect(tokensMatch(`${TOKEN}0`, TOKEN)).toBe(false);
  expect(tokensMatch(TOKEN.replace(/f$/, 'e'), TOKEN)).toBe(false);
  expect(tokensMatch('', TOKEN)).toBe(false);
});

test('readAdminToken trims a final newline and refuses missing, empty, short and multi-token files without echoing them', () => {
  expect(readAdminToken(tempFile(`${TOKEN}\n`))).toBe(TOKEN);
  expect(() => readAdminToken('/nonexistent/token')).toThrow(/cannot be read \(ENOENT\)/);
  expect(() => readAdminToken(tempFile('\n'))).toThrow(/is empty/);
  expect(() => readAdminToken(tempFile('short'))).toThrow(/fewer than 16/);
  const two = tempFile(`${TOKEN} other-secret-value-xyz`);
  expect(() => readAdminToken(two)).toThrow(/whitespace inside/);
  try {
    readAdminToken(two);
  } catch (err) {
    expect((err as Error).message).not.toContain(TOKEN);
  }
  expect(() => readAdminToken(tempFile('x'.repeat(5000)))).toThrow(/larger than 4096/);
});

test('a mutating API off loopback needs a token file; on loopback it does not', () => {
  expect(() => checkMutatingApiBind('127.0.0.1', undefined, '--admin-api-address')).not.toThrow();
  expect(() => checkMutatingApiBind('::1', undefined, '--admin-api-address')).not.toThrow();
  expect(() => checkMutatingApiBind('0.0.0.0', '/t', '--admin-api-address')).not.toThrow();
  for (const host of ['0.0.0.0', '::', '10.0.0.1', 'admin.example']) {
    expect(() => checkMutatingApiBind(host, undefined, '--admin-api-address')).toThrow(
      /needs a bearer token: give --admin-token-file/,
    );
  }
});
