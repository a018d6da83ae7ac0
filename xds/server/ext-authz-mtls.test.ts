/**
 * The basic auth Check under mTLS: a gateway may only ask about the Secrets of its own group's routes
 * (the group its certificate names), whatever the request says.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Client, credentials } from '@grpc/grpc-js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import type { PemPair, TestCa } from '../../test/support/tls-certs.js';
import { createTestCa, installTlsFiles, TEST_TRUST_DOMAIN } from '../../test/support/tls-certs.js';
import { envoyRoot } from '../protos/envoy-protos.js';
import type { AdsServer } from './ads-server.js';
import { createAdsServer } from './ads-server.js';
import type { BasicAuthUsers } from './ext-authz-service.js';
import { BASIC_AUTH_EXTENSIONS as EXT } from './ext-authz-service.js';

// The jBCrypt vector for "abc" (cost 6).
const BCRYPT_ABC = '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i';
const SECRET_OF: Readonly<Record<string, string>> = { a: 'team/a-users', b: 'team/b-users' };
const USERS: BasicAuthUsers = {
  isReady: () => true,
  lookup: (group, secret) =>
    group !== undefined && SECRET_OF[group] === secret
      ? { users: [{ user: 'u', hash: BCRYPT_ABC }] }
      : undefined,
};

let ca: TestCa;
let dir: string;
let server: AdsServer;
let port: number;
const clients: Client[] = [];

beforeAll(async () => {
  ca = createTestCa();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-authz-mtls-'));
  const serverCert = ca.issueServer({ dns: ['localhost'], ips: ['127.0.0.1'] });
  const files = installTlsFiles(path.join(dir, 'server'), {
    'tls.crt': serverCert.cert,
    'tls.key': serverCert.key,
    'ca.crt': ca.caCert,
  });
  server = createAdsServer({
    watcher: new SnapshotCache(),
    closeWindowMs: 10,
    closeGraceMs: 200,
    tls: {
      certFile: files['tls.crt']!,
      keyFile: files['tls.key']!,
      clientCaFile: files['ca.crt']!,
      trustDomain: TEST_TRUST_DOMAIN,
    },
    basicAuth: { users: USERS },
  });
  port = await server.listen('127.0.0.1', 0);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server.close();
  ca.remove();
  fs.rmSync(dir, { recursive: true, force: true });
});

function check(pair: PemPair, secret: string): Promise<Record<string, unknown>> {
  const client = new Client(
    `127.0.0.1:${port}`,
    credentials.createSsl(Buffer.from(ca.caCert), Buffer.from(pair.key), Buffer.from(pair.cert)),
    { 'grpc.ssl_target_name_override': 'localhost' },
  );
  clients.push(client);
  const root = envoyRoot();
  const req = root.lookupType('envoy.service.auth.v3.CheckRequest');
  const res = root.lookupType('envoy.service.auth.v3.CheckResponse');
  const authorization = `Basic ${Buffer.from('u:abc').toString('base64')}`;
  const message = {
    attributes: {
      request: { http: { headers: { authorization } } },
      context_extensions: { [EXT.secret]: secret, [EXT.realm]: 'R' },
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
}

test("a gateway checks passwords of its own group's Secret, and gets 403 for another group's", async () => {
  const gwA = ca.issueClient({ cn: 'gw-a', group: 'a' });
  expect(await check(gwA, 'team/a-users')).toEqual({ status: { code: 0 }, ok_response: {} });
  expect(await check(gwA, 'team/b-users')).toMatchObject({
    status: { code: 7 },
    denied_response: { status: { code: 403 } },
  });
});
