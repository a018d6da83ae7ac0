/**
 * The `tls:` setting of the config file, at the top level (every group) or in a group (a group's own
 * replaces the top-level one as a whole):
 *
 *   tls: { minVersion: "1.3", maxVersion: "1.3", cipherSuites: [ECDHE-RSA-AES128-GCM-SHA256], alpn: [http/1.1] }
 *
 * It applies to every certificate the group's gateways serve (not to TLS passthrough hosts, whose
 * backends terminate TLS). Unset keys keep the defaults: TLS 1.2 to 1.3, Envoy's cipher list, ALPN
 * `h2` then `http/1.1`. `cipherSuites` restricts TLS 1.2 only; every TLS 1.3 suite stays offered. Strict: a bad value throws through `fail` naming the key and the value, so Envoy never
 * gets a cipher list or version range it would refuse (a refused listener keeps the group's HTTPS on
 * its old configuration).
 */
import type { AlpnProtocolIR, TlsOptionsIR, TlsVersionIR } from '../ir/ir-types.js';

const VERSIONS: readonly TlsVersionIR[] = ['1.2', '1.3'];
const ALPN: readonly AlpnProtocolIR[] = ['h2', 'http/1.1'];

/**
 * The TLS 1.2 cipher suites (BoringSSL names) Envoy's downstream TLS accepts: its documented server
 * list (TlsParameters.cipher_suites), each name checked with Envoy 1.40 (golden 306 passes
 * `envoy --mode validate`). PSK suites are left out: the gateway has no pre-shared keys.
 */
export const TLS_CIPHER_SUITES: readonly string[] = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-RSA-AES128-SHA',
  'AES128-GCM-SHA256',
  'AES128-SHA',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES256-SHA',
  'AES256-GCM-SHA384',
  'AES256-SHA',
];

/** TLS 1.3 suites: named to say why they are refused. */
const TLS13_SUITES = /^TLS_(AES|CHACHA20)_/;

function readVersion(at: string, raw: unknown, fail: (m: string) => never): TlsVersionIR | undefined {
  if (raw === undefined) return undefined;
  const v = typeof raw === 'number' ? raw.toFixed(1) : raw;
  const found = VERSIONS.find((x) => x === v);
  if (found === undefined)
    fail(`${at} must be "1.2" or "1.3" (older TLS versions are not served), got ${JSON.stringify(raw)}`);
  return found;
}

function readList(at: string, raw: unknown, what: string, fail: (m: string) => never): string[] {
  if (!Array.isArray(raw) || raw.length === 0 || raw.some((x) => typeof x !== 'string'))
    fail(`${at} must be a non-empty list of ${what}`);
  const list = raw as string[];
  const dup = list.find((x, i) => list.indexOf(x) !== i);
  if (dup !== undefined) fail(`${at} lists ${JSON.stringify(dup)} twice`);
  return list;
}

function readCipherSuites(at: string, raw: unknown, fail: (m: string) => never): string[] | undefined {
  if (raw === undefined) return undefined;
  const list = readList(at, raw, 'cipher suite names', fail);
  for (const name of list) {
    if (TLS13_SUITES.test(name))
      fail(
        `${at}: ${JSON.stringify(name)} is a TLS 1.3 suite; cipherSuites restricts TLS 1.2 only (every TLS 1.3 suite stays offered), list TLS 1.2 suites`,
      );
    if (!TLS_CIPHER_SUITES.includes(name))
      fail(`${at}: unknown cipher suite ${JSON.stringify(name)} (allowed: ${TLS_CIPHER_SUITES.join(', ')})`);
  }
  return list;
}

function readAlpn(at: string, raw: unknown, fail: (m: string) => never): AlpnProtocolIR[] | undefined {
  if (raw === undefined) return undefined;
  return readList(at, raw, 'h2, http/1.1', fail).map((p) => {
    const found = ALPN.find((x) => x === p);
    if (found === undefined) fail(`${at}: ${JSON.stringify(p)} is not h2 or http/1.1`);
    return found;
  });
}

export function readTlsConfig(at: string, raw: unknown, fail: (m: string) => never): TlsOptionsIR {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail(`${at} must be a mapping {minVersion, maxVersion, cipherSuites, alpn}`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!['minVersion', 'maxVersion', 'cipherSuites', 'alpn'].includes(k))
      fail(`unknown key ${at}.${k} (allowed: minVersion, maxVersion, cipherSuites, alpn)`);
  const minVersion = readVersion(`${at}.minVersion`, o['minVersion'], fail);
  const maxVersion = readVersion(`${at}.maxVersion`, o['maxVersion'], fail);
  if ((minVersion ?? '1.2') > (maxVersion ?? '1.3'))
    fail(`${at}.minVersion ${minVersion ?? '1.2'} is above maxVersion ${maxVersion ?? '1.3'}`);
  const cipherSuites = readCipherSuites(`${at}.cipherSuites`, o['cipherSuites'], fail);
  if (cipherSuites !== undefined && minVersion === '1.3')
    fail(`${at}.cipherSuites apply to TLS 1.2 only, but minVersion is 1.3; remove one of them`);
  const alpn = readAlpn(`${at}.alpn`, o['alpn'], fail);
  return {
    ...(minVersion !== undefined ? { minVersion } : {}),
    ...(maxVersion !== undefined ? { maxVersion } : {}),
    ...(cipherSuites !== undefined ? { cipherSuites } : {}),
    ...(alpn !== undefined ? { alpn } : {}),
  };
}
