import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Client, credentials, status } from '@grpc/grpc-js';
import { createHash } from 'node:crypto';
import { envoyRoot } from '../protos/envoy-protos.js';
import { createPasswordVerifier, verifySha } from './basic-auth-verifier.js';
import type { BasicAuthUsers } from './ext-authz-service.js';
import { answerCheck, basicCredentials, BASIC_AUTH_EXTENSIONS as EXT } from './ext-authz-service.js';
import type { Harness } from './testdata/ads-fixtures.js';
import { startHarness } from './testdata/ads-fixtures.js';

// The jBCrypt vector for "abc" (cost 6) and htpasswd -s of "secret".
const BCRYPT_ABC = '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i';
const SHA_SECRET = `{SHA}${createHash('sha1').update('secret').digest('base64')}`;

const USERS: BasicAuthUsers = {
  isReady: () => true,
  lookup: (group, secret) =>
    (group ?? 'edge') === 'edge' && secret === 'team/htpasswd'
      ? {
          users: [
            { user: 'alice', hash: BCRYPT_ABC },
            { user: 'bob', hash: SHA_SECRET },
          ],
        }
      : undefined,
};
const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ext = { [EXT.secret]: 'team/htpasswd', [EXT.realm]: 'Team' };

test('SHA entries are checked as htpasswd -s writes them', () => {
  expect(verifySha('secret', SHA_SECRET)).toBe(true);
  expect(verifySha('Secret', SHA_SECRET)).toBe(false);
  expect(verifySha('secret', '{SHA}short')).toBe(false);
});

test('the Authorization header is read as Basic credentials, the password may hold a colon', () => {
  expect(basicCredentials(basic('alice', 'a:b'))).toEqual({ user: 'alice', password: 'a:b' });
  expect(basicCredentials('Bearer x')).toBeUndefined();
  expect(basicCredentials(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
  expect(basicCredentials(undefined)).toBeUndefined();
});

test('a check answers ok, 401 with the realm, or 403 for a group or Secret it does not serve', async () => {
  const v = createPasswordVerifier();
  const ask = (authorization: string | undefined, group = 'edge', extensions = ext) =>
    answerCheck({ authorization, extensions }, group, USERS, v);
  await expect(ask(basic('alice', 'abc'))).resolves.toEqual({ kind: 'ok' });
  await expect(ask(basic('bob', 'secret'))).resolves.toEqual({ kind: 'ok' });
  await expect(ask(basic('alice', 'abd'))).resolves.toEqual({ kind: 'unauthorized', realm: 'Team' });
  await expect(ask(basic('carol', 'abc'))).resolves.toEqual({ kind: 'unauthorized', realm: 'Team' });
  await expect(ask(undefined)).resolves.toEqual({ kind: 'unauthorized', realm: 'Team' });
  await expect(ask(basic('alice', 'abc'), 'other')).resolves.toEqual({ kind: 'forbidden' });
  await expect(ask(basic('alice', 'abc'), 'edge', { ...ext, [EXT.secret]: 'team/other' })).resolves.toEqual({
    kind: 'forbidden',
  });
});

test('a successful bcrypt check is cached; failures are not, and the cache expires', async () => {
  let now = 0;
  const v = createPasswordVerifier({ now: () => now, cacheTtlMs: 1000 });
  await v.verify('s', 'alice', 'abc', BCRYPT_ABC);
  await v.verify('s', 'alice', 'abc', BCRYPT_ABC);
  expect(v.stats()).toEqual({ cached: 1, bcrypt: 1 });
  await v.verify('s', 'alice', 'x', BCRYPT_ABC);
  await v.verify('s', 'alice', 'x', BCRYPT_ABC);
  expect(v.stats()).toEqual({ cached: 1, bcrypt: 3 });
  now = 2000;
  await v.verify('s', 'alice', 'abc', BCRYPT_ABC);
  expect(v.stats()).toEqual({ cached: 1, bcrypt: 4 });
});

test('bcrypt checks beyond the concurrency and queue bounds are refused; costs above the cap never verify', async () => {
  const v = createPasswordVerifier({ maxConcurrent: 1, maxQueued: 1 });
  const results = await Promise.allSettled(['a', 'b', 'c'].map((p) => v.verify('s', 'alice', p, BCRYPT_ABC)));
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
  const capped = createPasswordVerifier({ maxCost: 5 });
  await expect(capped.verify('s', 'alice', 'abc', BCRYPT_ABC)).resolves.toBe(false);
});

describe('over gRPC, on the xDS server', () => {
  let h: Harness;
  let client: Client;
  beforeAll(async () => {
    h = await startHarness({ basicAuth: { users: USERS } });
    client = new Client(`127.0.0.1:${h.port}`, credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await h.close();
  });

  const check = (authorization: string | undefined): Promise<Record<string, unknown>> => {
    const root = envoyRoot();
    const req = root.lookupType('envoy.service.auth.v3.CheckRequest');
    const res = root.lookupType('envoy.service.auth.v3.CheckResponse');
    const message = {
      attributes: {
        request: { http: { headers: authorization ? { authorization } : {} } },
        context_extensions: ext,
      },
    };
    return new Promise((resolve, reject) =>
      client.makeUnaryRequest(
        '/envoy.service.auth.v3.Authorization/Check',
        (m: object) => Buffer.from(req.encode(req.fromObject(m)).finish()),
        (b: Buffer) => res.toObject(res.decode(b), { enums: Number }) as Record<string, unknown>,
        message,
        (err, value) => (err ? reject(err) : resolve(value!)),
      ),
    );
  };

  test('Check answers OK for the right password and 401 with the challenge otherwise', async () => {
    expect(await check(basic('alice', 'abc'))).toEqual({ status: { code: 0 }, ok_response: {} });
    const denied = await check(basic('alice', 'nope'));
    expect(denied).toMatchObject({
      status: { code: 16 },
      denied_response: {
        status: { code: 401 },
        headers: [{ header: { key: 'www-authenticate', value: 'Basic realm="Team"' } }],
      },
    });
  });
});

test('before the first translation a check fails (UNAVAILABLE: the gateway answers 503), never 403', async () => {
  const h = await startHarness({ basicAuth: { users: { ...USERS, isReady: () => false } } });
  const client = new Client(`127.0.0.1:${h.port}`, credentials.createInsecure());
  const root = envoyRoot();
  const req = root.lookupType('envoy.service.auth.v3.CheckRequest');
  const err = await new Promise<{ code?: number }>((resolve) =>
    client.makeUnaryRequest(
      '/envoy.service.auth.v3.Authorization/Check',
      (m: object) => Buffer.from(req.encode(req.fromObject(m)).finish()),
      (b: Buffer) => b,
      { attributes: { context_extensions: ext } },
      (e) => resolve(e ?? {}),
    ),
  );
  expect(err.code).toBe(status.UNAVAILABLE);
  client.close();
  await h.close();
});
