/** Builders for the manifests end-to-end tests write into a temp folder (YAML text). */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

export const INGRESS_CLASS = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'causeway', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
  spec: { controller: 'causeway.dev/gateway' },
};

export function service(name: string, port = 80): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { ports: [{ name: 'http', port, targetPort: 8080 }] },
  };
}

export function endpointSlice(
  service: string,
  endpoints: readonly { address: string; port: number; ready?: boolean }[],
  name = `${service}-1`,
): object {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    // One port per slice (EndpointSlice semantics): all endpoints here share the first one's port.
    ports: [{ name: 'http', port: endpoints[0]?.port ?? 8080, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => ({ addresses: [e.address], conditions: { ready: e.ready ?? true } })),
  };
}

/** An Ingress of the default class in namespace `default` sending every path of every host to `service`. */
export function catchAllIngress(name: string, service: string, port = 80): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default' },
    spec: {
      rules: [
        {
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: service, port: { number: port } } },
              },
            ],
          },
        },
      ],
    },
  };
}

export interface HostIngressOptions {
  readonly name: string;
  readonly host: string;
  /** The Service every path of the rule sends to. */
  readonly service: string;
  /** Service port number or name; default 80. */
  readonly port?: number | string;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Default one Prefix `/`. */
  readonly paths?: readonly { readonly path: string; readonly pathType: string }[];
}

/** An Ingress of the default class in namespace `default` with one rule for `host` sending its paths to one Service port. */
export function hostIngress(o: HostIngressOptions): object {
  const port = typeof o.port === 'string' ? { name: o.port } : { number: o.port ?? 80 };
  const paths = o.paths ?? [{ path: '/', pathType: 'Prefix' }];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: o.name, namespace: 'default', annotations: { ...o.annotations } },
    spec: {
      rules: [
        {
          host: o.host,
          http: { paths: paths.map((p) => ({ ...p, backend: { service: { name: o.service, port } } })) },
        },
      ],
    },
  };
}

export function yamlDocs(...docs: readonly object[]): string {
  return docs.map((d) => YAML.stringify(d)).join('---\n');
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes a file atomically (temp + rename), as editors and `kubectl`-style tools do. */
export function writeAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** A self-signed certificate for `host`, generated with openssl. */
export function generateCertificate(host: string): { cert: string; key: string } {
  const dir = tempDir('causeway-cert-');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        `/CN=${host}`,
        '-addext',
        `subjectAltName=DNS:${host}`,
      ],
      { stdio: 'ignore' },
    );
    return {
      cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
      key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function tlsSecret(name: string, c: { cert: string; key: string }): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(c.cert).toString('base64'),
      'tls.key': Buffer.from(c.key).toString('base64'),
    },
  };
}
