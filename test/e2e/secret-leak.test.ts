/**
 * No Secret byte leaks (issue 13, "Tests that must exist"). A standalone controller (the CLI, as users
 * run it, at debug log level) serves a real Envoy gateway with an htpasswd Secret ({SHA} and bcrypt
 * entries: checked by the controller, so its ext_authz check runs too), a bad htpasswd Secret (diagnostics about its lines), a TLS Secret and a backend CA Secret
 * whose `tls.key` holds a private key (as cert-manager's CA Secrets do). Requests with right and wrong
 * passwords go through. Then `/debug/config` (JSON and YAML), `/debug/diagnostics`, `/api/gateways`,
 * `/metrics`, the controller's stdout and stderr, and `causeway translate` (xDS and IR, with its
 * diagnostics) must hold no private value of any Secret: not a password, an htpasswd line or hash, a
 * private key (decoded, base64, or any line of its PEM body), nor any Secret value in base64. The
 * certificates (`tls.crt`, `ca.crt`) are public and shown on purpose (`/debug/config` shows what the
 * gateway serves); user names are named in diagnostics and are not secret either.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { startControllerProcess, type ControllerProcess } from '../support/controller-process.js';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { basicAuthorization, htpasswdSecret, shaEntry } from '../support/htpasswd-secrets.js';
import { httpGet } from '../support/http-client.js';
import {
  endpointSlice,
  generateCertificate,
  hostIngress,
  INGRESS_CLASS,
  service,
  tempDir,
  tlsSecret,
  yamlDocs,
} from '../support/manifests.js';
import { freePorts } from '../support/ports.js';

const PASSWORD = 'correct-horse-battery-staple';
const GOOD_LINES = [
  shaEntry('alice', PASSWORD),
  'bob:$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC',
];
const BAD_LINES = [
  'mallory-plaintext-secret-line',
  'eve:not-a-hash-but-a-password',
  shaEntry('eve', 'x').slice(0, 20),
];

let dir: string;
let backend: EchoBackend;
let controller: ControllerProcess | undefined;
let gateway: EnvoyProcess | undefined;
let ports: number[];
const secretObjects: { name: string; data: Record<string, string> }[] = [];

function withData(o: object): object {
  const s = o as { metadata: { name: string }; data: Record<string, string> };
  secretObjects.push({ name: s.metadata.name, data: s.data });
  return o;
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-secret-leak-');
  backend = await startEchoBackend({ name: 'echo' });
  ports = await freePorts(4);
  const [xdsPort, adminPort, httpPort, httpsPort] = ports as [number, number, number, number];
  const tls = generateCertificate('secure.example.com');
  const ca = generateCertificate('backend-ca.example.com');
  const caSecret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: 'backend-ca', namespace: 'default' },
    data: {
      'ca.crt': Buffer.from(ca.cert).toString('base64'),
      'tls.crt': Buffer.from(ca.cert).toString('base64'),
      'tls.key': Buffer.from(ca.key).toString('base64'),
    },
  };
  const secure = {
    ...(service('secure-backend') as object),
    metadata: {
      name: 'secure-backend',
      namespace: 'default',
      annotations: {
        'causeway.dev/backend-protocol': 'HTTPS',
        'causeway.dev/backend-tls-ca-secret': 'backend-ca',
      },
    },
  };
  const tlsIngress = hostIngress({ name: 'secure', host: 'secure.example.com', service: 'echo' }) as {
    spec: Record<string, unknown>;
  };
  tlsIngress.spec['tls'] = [{ hosts: ['secure.example.com'], secretName: 'secure-tls' }];
  const auth = (secret: string): Record<string, string> => ({
    'causeway.dev/auth-type': 'basic',
    'causeway.dev/auth-secret': secret,
  });
  fs.writeFileSync(
    path.join(dir, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('echo'),
      endpointSlice('echo', [{ address: '127.0.0.1', port: backend.port }]),
      secure,
      endpointSlice('secure-backend', [{ address: '127.0.0.1', port: backend.port }]),
      withData(htpasswdSecret('users', GOOD_LINES)),
      withData(htpasswdSecret('bad-users', BAD_LINES)),
      withData(tlsSecret('secure-tls', tls)),
      withData(caSecret),
      hostIngress({ name: 'auth', host: 'auth.example.com', service: 'echo', annotations: auth('users') }),
      hostIngress({ name: 'bad', host: 'bad.example.com', service: 'echo', annotations: auth('bad-users') }),
      hostIngress({ name: 'to-tls-backend', host: 'backend.example.com', service: 'secure-backend' }),
      tlsIngress,
    ),
  );
  controller = await startControllerProcess({
    manifests: dir,
    xdsPort,
    adminPort,
    httpPort,
    httpsPort,
    extraArgs: ['--log-level', 'debug'],
  });
  gateway = await startEnvoy({
    name: 'secret-leak-gateway',
    bootstrap: buildBootstrap({
      group: 'default',
      xdsHost: '127.0.0.1',
      xdsPort,
      nodeId: 'leak-gw',
      adminPort: 0,
    }),
  });
  await gateway.waitForListener(httpPort);
  await gateway.waitForStat('http.http.rds.http.update_success', (v) => (v ?? 0) >= 1);
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  await controller?.kill('SIGTERM');
  await backend?.close();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

const PUBLIC_KEYS = ['tls.crt', 'ca.crt'];

/**
 * Every private byte sequence of the Secrets: values (decoded and base64), their lines and hashes. A
 * piece that is also in a Secret's public certificate is left out: the last line of an EC key's PEM
 * holds the public key, which the certificate (shown on purpose) holds too.
 */
function needles(): string[] {
  const publicTexts = secretObjects.flatMap((s) =>
    PUBLIC_KEYS.filter((k) => s.data[k]).map((k) => Buffer.from(s.data[k]!, 'base64').toString('utf8')),
  );
  const out = new Set<string>([PASSWORD]);
  for (const s of secretObjects) {
    for (const [key, b64] of Object.entries(s.data)) {
      if (PUBLIC_KEYS.includes(key) || b64 === '') continue; // public certificates
      const text = Buffer.from(b64, 'base64').toString('utf8');
      out.add(b64);
      out.add(text.trim());
      for (const line of text.split('\n').map((l) => l.trim())) {
        if (line.length < 8 || line.startsWith('-----')) continue;
        out.add(line);
        const colon = line.indexOf(':');
        if (colon > 0 && line.length - colon > 8) out.add(line.slice(colon + 1));
      }
    }
  }
  return [...out].filter((n) => !publicTexts.some((t) => t.includes(n)));
}

async function text(url: string): Promise<string> {
  const r = await httpGet(url);
  expect([url, r.status]).toEqual([url, 200]);
  return r.body;
}

test('no Secret byte appears in /debug, /api/gateways, /metrics, the logs or causeway translate', async () => {
  const [, adminPort, httpPort] = ports as [number, number, number];
  const through = (h: Record<string, string>): Promise<number> =>
    httpGet(`http://127.0.0.1:${httpPort}/`, { host: 'auth.example.com', headers: h }).then((r) => r.status);
  expect(await through({ authorization: basicAuthorization('alice', PASSWORD) })).toBe(200);
  expect(await through({ authorization: basicAuthorization('alice', 'wrong') })).toBe(401);
  expect(await through({})).toBe(401);
  const admin = `http://127.0.0.1:${adminPort}`;
  const diagnostics = await text(`${admin}/debug/diagnostics`);
  // The bad Secret's diagnostics are there, naming lines and users only.
  expect(diagnostics).toContain('Secret default/bad-users: auth line 1 is not');
  const config = await text(`${admin}/debug/config?group=default`);
  // The gateway's config is there (users redacted), with the certificate it serves; the Secret with a
  // bcrypt entry is checked by the controller (its route names the Secret, no hash).
  expect(config).toContain('envoy.filters.http.basic_auth');
  expect(config).toContain('causeway.basic_auth_check');
  expect(config).toContain('[redacted]');
  const outputs: Record<string, string> = {
    'debug/config': config,
    'debug/config yaml': await text(`${admin}/debug/config?group=default&format=yaml`),
    'debug/diagnostics': diagnostics,
    'api/gateways': await text(`${admin}/api/gateways`),
    metrics: await text(`${admin}/metrics`),
  };
  const bin = path.join(projectRoot(), 'bin', 'causeway.js');
  for (const args of [[], ['--ir'], ['-o', 'json']]) {
    const r = spawnSync(process.execPath, [bin, 'translate', '-f', dir, ...args], { encoding: 'utf8' });
    expect(r.stdout).toContain('bad-users');
    outputs[`translate ${args.join(' ')}`] = r.stdout + r.stderr;
  }
  expect(outputs['translate --ir']).toContain('"[redacted]"'.slice(1, -1));
  outputs['controller stdout+stderr'] = controller!.output();
  expect(outputs['controller stdout+stderr']).toContain('bad-users');
  const leaks: string[] = [];
  for (const n of needles())
    for (const [where, out] of Object.entries(outputs)) if (out.includes(n)) leaks.push(`${where}: ${n}`);
  expect(leaks).toEqual([]);
}, 60_000);
