/**
 * `causeway translate` never prints a private key (issue 11, finding 4): a TLS Secret whose tls.crt
 * holds certificate + key (a combined PEM) is refused with CW_E_TLS_PRIVATE_KEY_IN_CERTIFICATE, and
 * neither the Envoy resources nor the IR (`--ir`) contain the key; a well-formed Secret's key is redacted.
 * Runs the built CLI (bin/causeway.js over dist/: `npm run build` first).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import {
  INGRESS_CLASS,
  endpointSlice,
  generateCertificate,
  service,
  tempDir,
  tlsSecret,
  yamlDocs,
} from '../support/manifests.js';

const root = projectRoot();

function translateCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'causeway.js'), 'translate', ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tlsIngress(name: string, host: string, secret: string): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default' },
    spec: {
      tls: [{ hosts: [host], secretName: secret }],
      rules: [
        {
          host,
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  };
}

const combined = generateCertificate('combined.example.com');
const good = generateCertificate('good.example.com');
/** A line of each key's base64 body: what must never be printed. */
const keyLines = [combined.key, good.key].map((k) => k.split('\n')[2]!);

let dir: string;
beforeAll(() => {
  dir = tempDir('causeway-private-keys-');
  fs.writeFileSync(
    path.join(dir, 'all.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('web'),
      endpointSlice('web', [{ address: '10.0.0.1', port: 8080 }]),
      tlsIngress('combined', 'combined.example.com', 'combined-tls'),
      tlsIngress('good', 'good.example.com', 'good-tls'),
      tlsSecret('combined-tls', { cert: combined.cert + combined.key, key: combined.key }),
      tlsSecret('good-tls', good),
    ),
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test.each([[[]], [['--ir']], [['-o', 'json']]])(
  'translate %j: the combined PEM is refused, no key is printed',
  (extra) => {
    const r = translateCli('-f', dir, ...(extra as string[]));
    expect(r.status).toBe(1); // the refused Secret is an error diagnostic
    for (const line of keyLines) {
      expect(line.length).toBeGreaterThan(20);
      expect(r.stdout).not.toContain(line);
      expect(r.stderr).not.toContain(line);
    }
    expect(r.stdout).toContain('CW_E_TLS_PRIVATE_KEY_IN_CERTIFICATE');
    // The good Secret is still served: its certificate is printed, its key redacted.
    expect(r.stdout).toContain('good.example.com');
    expect(r.stdout).toContain('[redacted]');
  },
);
