/**
 * A client certificate issued through an intermediate CA, made with the openssl CLI into a temp folder
 * at test time (no key is ever committed): root CA -> intermediate CA -> client (clientAuth). The client
 * sends its certificate followed by the intermediate's, as a TLS client with a chain does.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ChainedClient {
  /** PEM of the root CA (what a `ca.crt` holds). */
  readonly rootCert: string;
  /** PEM: the client certificate, then the intermediate CA's. */
  readonly certChain: string;
  readonly key: string;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** Signs `name`.csr with the CA `ca` (files `<ca>.crt`, `<ca>.key`) using the extensions `ext`. */
function sign(dir: string, name: string, ca: string, ext: string): void {
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ],
    dir,
  );
}

/** Root CA `<prefix>-root`, intermediate `<prefix>-intermediate`, client certificate CN `cn`. */
export function createChainedClient(prefix: string, cn: string): ChainedClient {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-chain-'));
  try {
    const caExt = [
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ];
    openssl(
      [
        'req',
        '-x509',
        ...EC,
        '-keyout',
        'root.key',
        '-out',
        'root.crt',
        '-days',
        '1',
        '-subj',
        `/CN=${prefix}-root`,
        ...caExt,
      ],
      dir,
    );
    openssl(
      [
        'req',
        ...EC,
        '-keyout',
        'intermediate.key',
        '-out',
        'intermediate.csr',
        '-subj',
        `/CN=${prefix}-intermediate`,
      ],
      dir,
    );
    sign(
      dir,
      'intermediate',
      'root',
      'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n',
    );
    openssl(['req', ...EC, '-keyout', 'client.key', '-out', 'client.csr', '-subj', `/CN=${cn}`], dir);
    sign(
      dir,
      'client',
      'intermediate',
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n',
    );
    const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');
    return {
      rootCert: read('root.crt'),
      certChain: read('client.crt') + read('intermediate.crt'),
      key: read('client.key'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
