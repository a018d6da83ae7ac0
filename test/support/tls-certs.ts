/**
 * Test certificates, made at test time with the openssl CLI into a temp folder (no key is ever
 * committed): a CA, the controller's xDS server certificate, and gateway client certificates whose URI
 * SAN names their group (`spiffe://<trust domain>/causeway/group/<group>`, docs/security.md).
 *
 * `installTlsFiles` lays files out as a Kubernetes Secret volume does (`tls.crt -> ..data/tls.crt`,
 * `..data -> ..<timestamp>`), so a rotation is one atomic rename of `..data`, as in a real cluster.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gatewaySpiffeId } from '../../xds/server/tls-identity.js';

export const TEST_TRUST_DOMAIN = 'causeway.test';

export interface PemPair {
  /** PEM text. */
  readonly cert: string;
  readonly key: string;
  /** Hex, uppercase (as Node's X509Certificate.serialNumber). */
  readonly serialNumber: string;
}

export interface TestCa {
  readonly dir: string;
  /** PEM of the CA certificate. */
  readonly caCert: string;
  /** A server certificate (serverAuth) for these DNS names and IPs. */
  issueServer(o: { readonly dns?: readonly string[]; readonly ips?: readonly string[] }): PemPair;
  /** A gateway client certificate (clientAuth) with these URI SANs (default: the group's SPIFFE ID). */
  issueClient(o: {
    readonly cn: string;
    readonly group?: string;
    readonly uris?: readonly string[];
  }): PemPair;
  /** Removes the folder. */
  remove(): void;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

let counter = 0;

/** A new CA (EC P-256, valid one day) in a new temp folder. */
export function createTestCa(name = 'causeway-test-ca'): TestCa {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-pki-'));
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  const issue = (cn: string, ext: string): PemPair => {
    const base = `leaf-${++counter}`;
    fs.writeFileSync(path.join(dir, `${base}.ext`), ext);
    openssl(
      [
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        `${base}.key`,
        '-out',
        `${base}.csr`,
        '-subj',
        `/CN=${cn}`,
      ],
      dir,
    );
    const serial = crypto.randomBytes(8).toString('hex').replace(/^./, '1');
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${base}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-set_serial',
        `0x${serial}`,
        '-days',
        '1',
        '-extfile',
        `${base}.ext`,
        '-out',
        `${base}.crt`,
      ],
      dir,
    );
    const cert = fs.readFileSync(path.join(dir, `${base}.crt`), 'utf8');
    return {
      cert,
      key: fs.readFileSync(path.join(dir, `${base}.key`), 'utf8'),
      serialNumber: new crypto.X509Certificate(cert).serialNumber,
    };
  };
  return {
    dir,
    caCert: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'),
    issueServer(o) {
      const sans = [...(o.dns ?? []).map((d) => `DNS:${d}`), ...(o.ips ?? []).map((i) => `IP:${i}`)];
      return issue(
        'causeway-controller',
        `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans.join(',')}\n`,
      );
    },
    issueClient(o) {
      const uris = o.uris ?? (o.group !== undefined ? [gatewaySpiffeId(TEST_TRUST_DOMAIN, o.group)] : []);
      const san = uris.length > 0 ? `subjectAltName=${uris.map((u) => `URI:${u}`).join(',')}\n` : '';
      return issue(
        o.cn,
        `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n${san}`,
      );
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Writes `files` (name -> content) into `dir` the way the kubelet updates a Secret volume: a new
 * timestamped folder, then one atomic rename of the `..data` symlink; `dir/<name>` are symlinks into
 * `..data`. Returns the paths of the files as consumers see them.
 */
export function installTlsFiles(
  dir: string,
  files: Readonly<Record<string, string>>,
): Record<string, string> {
  fs.mkdirSync(dir, { recursive: true });
  const version = `..${Date.now()}_${++counter}`;
  fs.mkdirSync(path.join(dir, version));
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, version, name), content, { mode: 0o600 });
  }
  const previous = fs.existsSync(path.join(dir, '..data'))
    ? fs.readlinkSync(path.join(dir, '..data'))
    : undefined;
  fs.symlinkSync(version, path.join(dir, '..data_tmp'));
  fs.renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  const out: Record<string, string> = {};
  for (const name of Object.keys(files)) {
    const link = path.join(dir, name);
    if (!fs.existsSync(link)) fs.symlinkSync(path.join('..data', name), link);
    out[name] = link;
  }
  if (previous !== undefined) fs.rmSync(path.join(dir, previous), { recursive: true, force: true });
  return out;
}
