/**
 * The ADS server with mTLS: the gateway group comes from the client certificate, another group is
 * refused with PERMISSION_DENIED, a connection without a valid client certificate gets nothing, and the
 * server certificate is reloaded from disk for new connections while open streams go on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { credentials, status } from '@grpc/grpc-js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import type { PemPair, TestCa } from '../../test/support/tls-certs.js';
import { createTestCa, installTlsFiles, TEST_TRUST_DOMAIN } from '../../test/support/tls-certs.js';
import { sotwResourceNames, XdsClient } from '../../test/support/xds-client.js';
import type { AdsLogger } from './ads-logger.js';
import type { AdsServer } from './ads-server.js';
import { createAdsServer } from './ads-server.js';
import { CDS, cla, cluster, resources } from './testdata/ads-fixtures.js';

let ca: TestCa;
let otherCa: TestCa;
let dir: string;
let server: AdsServer | undefined;
let clients: XdsClient[] = [];
let cache: SnapshotCache;
let port: number;
const warnings: Array<{ obj: Record<string, unknown>; msg: string }> = [];

const logger: AdsLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg: msg ?? '' }),
  error: () => undefined,
};

beforeAll(() => {
  ca = createTestCa();
  otherCa = createTestCa('another-ca');
});

afterAll(() => {
  ca.remove();
  otherCa.remove();
});

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-mtls-'));
  const serverCert = ca.issueServer({ dns: ['localhost'], ips: ['127.0.0.1'] });
  const files = installTlsFiles(path.join(dir, 'server'), {
    'tls.crt': serverCert.cert,
    'tls.key': serverCert.key,
    'ca.crt': ca.caCert,
  });
  cache = new SnapshotCache();
  cache.setAll(
    new Map([
      ['a', resources({ clusters: [cluster('a1')], endpoints: [cla('a1')] })],
      ['b', resources({ clusters: [cluster('b1')], endpoints: [cla('b1')] })],
    ]),
  );
  warnings.length = 0;
  server = createAdsServer({
    watcher: cache,
    logger,
    closeWindowMs: 10,
    closeGraceMs: 200,
    tls: {
      certFile: files['tls.crt']!,
      keyFile: files['tls.key']!,
      clientCaFile: files['ca.crt']!,
      trustDomain: TEST_TRUST_DOMAIN,
    },
  });
  port = await server.listen('127.0.0.1', 0);
});

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function client(pair: PemPair | undefined, caPem = ca.caCert): XdsClient {
  const creds = pair
    ? credentials.createSsl(Buffer.from(caPem), Buffer.from(pair.key), Buffer.from(pair.cert))
    : credentials.createSsl(Buffer.from(caPem));
  const c = new XdsClient(`127.0.0.1:${port}`, {
    credentials: creds,
    channelOptions: { 'grpc.ssl_target_name_override': 'localhost' },
  });
  clients.push(c);
  return c;
}

test("a gateway gets its certificate's group, with node.cluster empty or the same", async () => {
  const gwA = ca.issueClient({ cn: 'gw-a', group: 'a' });
  const empty = client(gwA).sotw({ id: 'gw-a-1' });
  const same = client(gwA).sotw({ id: 'gw-a-2', cluster: 'a' });
  empty.subscribe(CDS);
  same.subscribe(CDS);
  expect(sotwResourceNames(await empty.nextResponse(CDS))).toEqual(['a1']);
  expect(sotwResourceNames(await same.nextResponse(CDS))).toEqual(['a1']);
  expect(server!.connections().map((c) => [c.nodeId, c.group])).toEqual([
    ['gw-a-1', 'a'],
    ['gw-a-2', 'a'],
  ]);
});

test('a certificate for group a asking node.cluster b gets nothing of b: PERMISSION_DENIED, logged', async () => {
  const gwA = ca.issueClient({ cn: 'gw-a', group: 'a' });
  for (const s of [
    client(gwA).sotw({ id: 'sneaky', cluster: 'b' }),
    client(gwA).delta({ id: 'sneaky-d', cluster: 'b' }),
  ]) {
    s.subscribe(CDS);
    const st = await s.status;
    expect(st.code).toBe(status.PERMISSION_DENIED);
    expect(st.details).toMatch(
      /node\.cluster "b" names another gateway group .*spiffe:\/\/causeway\.test\/causeway\/group\/a/,
    );
    expect(s.responseCount).toBe(0);
  }
  expect(server!.connections()).toEqual([]);
  expect(
    warnings.filter((w) => w.obj['code'] === 'CW_E_XDS_FORBIDDEN').map((w) => w.obj['requestedGroup']),
  ).toEqual(['b', 'b']);
});

test('a certificate without a group URI SAN is refused', async () => {
  const s = client(ca.issueClient({ cn: 'no-group' })).sotw({ id: 'x', cluster: 'a' });
  s.subscribe(CDS);
  const st = await s.status;
  expect(st.code).toBe(status.PERMISSION_DENIED);
  expect(st.details).toMatch(/names no gateway group/);
  expect(s.responseCount).toBe(0);
});

test('a certificate of another trust domain is refused', async () => {
  const s = client(
    ca.issueClient({ cn: 'foreign', uris: ['spiffe://elsewhere.example/causeway/group/a'] }),
  ).sotw({
    id: 'x',
  });
  s.subscribe(CDS);
  const st = await s.status;
  expect(st.code).toBe(status.PERMISSION_DENIED);
  expect(st.details).toMatch(/not in the trust domain causeway\.test/);
});

test('no client certificate, or one from another CA: the handshake fails, nothing is served', async () => {
  for (const c of [client(undefined), client(otherCa.issueClient({ cn: 'gw', group: 'a' }))]) {
    const s = c.sotw({ id: 'anon', cluster: 'a' });
    s.subscribe(CDS);
    const st = await s.status;
    expect(st.code).toBe(status.UNAVAILABLE);
    expect(s.responseCount).toBe(0);
  }
  expect(server!.connections()).toEqual([]);
});

/** The serial number of the certificate the server presents to a new TLS connection. */
function servedSerial(pair: PemPair): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        ca: ca.caCert,
        cert: pair.cert,
        key: pair.key,
        ALPNProtocols: ['h2'],
      },
      () => {
        const serial = socket.getPeerCertificate().serialNumber;
        socket.destroy();
        resolve(serial);
      },
    );
    socket.on('error', reject);
  });
}

test('a rotated server certificate is used by new connections; the open stream goes on', async () => {
  const gwA = ca.issueClient({ cn: 'gw-a', group: 'a' });
  const first = await servedSerial(gwA);
  const s = client(gwA).sotw({ id: 'steady', cluster: 'a' });
  s.subscribe(CDS);
  s.ack(await s.nextResponse(CDS));

  const next = ca.issueServer({ dns: ['localhost'], ips: ['127.0.0.1'] });
  expect(next.serialNumber).not.toBe(first);
  installTlsFiles(path.join(dir, 'server'), {
    'tls.crt': next.cert,
    'tls.key': next.key,
    'ca.crt': ca.caCert,
  });
  let served = first;
  for (let i = 0; i < 150 && served !== next.serialNumber; i++) {
    served = await servedSerial(gwA);
    if (served !== next.serialNumber) await new Promise((r) => setTimeout(r, 100));
  }
  expect(served).toBe(next.serialNumber);

  // The stream opened before the rotation still receives pushes.
  cache.setAll(
    new Map([
      ['a', resources({ clusters: [cluster('a2')], endpoints: [cla('a2')] })],
      ['b', resources({ clusters: [cluster('b1')], endpoints: [cla('b1')] })],
    ]),
  );
  expect(sotwResourceNames(await s.nextResponse(CDS))).toEqual(['a2']);
  expect(server!.connections().map((c) => c.nodeId)).toEqual(['steady']);
  // And a new connection (new certificate) is served too.
  const fresh = client(gwA).sotw({ id: 'fresh' });
  fresh.subscribe(CDS);
  expect(sotwResourceNames(await fresh.nextResponse(CDS))).toEqual(['a2']);
}, 30_000);

test('unusable files at start: listen() fails with CW_E_XDS_TLS naming the file', async () => {
  const broken = createAdsServer({
    watcher: cache,
    tls: {
      certFile: path.join(dir, 'missing.crt'),
      keyFile: path.join(dir, 'server', 'tls.key'),
      clientCaFile: path.join(dir, 'server', 'ca.crt'),
    },
  });
  await expect(broken.listen('127.0.0.1', 0)).rejects.toThrow(
    /CW_E_XDS_TLS: cannot read the xDS TLS certificate .*missing\.crt/,
  );
  const other = ca.issueServer({ dns: ['localhost'] });
  fs.writeFileSync(path.join(dir, 'other.key'), other.key);
  const mismatched = createAdsServer({
    watcher: cache,
    tls: {
      certFile: path.join(dir, 'server', 'tls.crt'),
      keyFile: path.join(dir, 'other.key'),
      clientCaFile: path.join(dir, 'server', 'ca.crt'),
    },
  });
  await expect(mismatched.listen('127.0.0.1', 0)).rejects.toThrow(/does not fit the certificate/);
  await broken.close();
  await mismatched.close();
});
