/** The controller's admin flags -> access rules; the refusal of a mutating API off loopback without a token. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CausewayError } from '../errors.js';
import { adminAccessFrom } from './admin-access-from-flags.js';

const interfaces = { eth0: [{ address: '10.9.8.7' }] } as unknown as ReturnType<typeof os.networkInterfaces>;
let dir: string;
let tokenFile: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-admin-flags-'));
  tokenFile = path.join(dir, 'token');
  fs.writeFileSync(tokenFile, 'a-long-enough-admin-token\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the loopback default needs no token; the allow-list is the loopback names', () => {
  expect(adminAccessFrom({ adminAddress: '127.0.0.1:19000' }, interfaces)).toEqual({
    allowedHosts: ['127.0.0.1', '::1', 'localhost'],
  });
});

test('probes on 0.0.0.0 with the mutating API on loopback need no token; the interfaces are allowed', () => {
  expect(
    adminAccessFrom(
      {
        adminAddress: '0.0.0.0:19000',
        adminApiAddress: '127.0.0.1:19001',
        adminAllowedHosts: ['a.example,b.example'],
      },
      interfaces,
    ),
  ).toEqual({ allowedHosts: ['10.9.8.7', '127.0.0.1', '::1', 'a.example', 'b.example', 'localhost'] });
});

test.each([
  [
    { adminAddress: '0.0.0.0:19000' },
    /--admin-address, which serves the admin API without --admin-api-address/,
  ],
  [{ adminAddress: '127.0.0.1:19000', adminApiAddress: '0.0.0.0:19001' }, /"0.0.0.0" \(--admin-api-address/],
  [{ adminAddress: '127.0.0.1:19000', adminApiAddress: '[::]:19001' }, /"::"/],
])('a mutating API off loopback without --admin-token-file is a usage error: %j', (flags, message) => {
  expect(() => adminAccessFrom(flags, interfaces)).toThrow(CausewayError);
  expect(() => adminAccessFrom(flags, interfaces)).toThrow(message);
  expect(() => adminAccessFrom(flags, interfaces)).toThrow(/needs a bearer token: give --admin-token-file/);
});

test('with a readable token file it starts; an unreadable or empty one is a usage error at start', () => {
  const flags = { adminAddress: '0.0.0.0:19000', adminApiAddress: '0.0.0.0:19001' };
  expect(adminAccessFrom({ ...flags, adminTokenFile: tokenFile }, interfaces)).toEqual({
    allowedHosts: ['10.9.8.7', '127.0.0.1', '::1', 'localhost'],
    tokenFile,
  });
  expect(() => adminAccessFrom({ ...flags, adminTokenFile: path.join(dir, 'missing') }, interfaces)).toThrow(
    /cannot be read \(ENOENT\)/,
  );
  const empty = path.join(dir, 'empty');
  fs.writeFileSync(empty, '');
  expect(() => adminAccessFrom({ ...flags, adminTokenFile: empty }, interfaces)).toThrow(/is empty/);
});

test('":PORT" (all interfaces, as listenAdmin reads it) is off loopback too', () => {
  expect(() => adminAccessFrom({ adminAddress: ':19000' }, interfaces)).toThrow(
    /"0.0.0.0" \(--admin-address/,
  );
});
