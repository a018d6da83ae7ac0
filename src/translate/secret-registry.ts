/**
 * The TLS certificates of one gateway group: each Secret a TLS claim names is looked up and validated
 * once; a missing or bad Secret is a diagnostic and its hosts get no HTTPS (other hosts are unaffected).
 * Also the CA certificates backends are verified against (`causeway.dev/backend-tls-ca-secret`), as
 * `trusted-ca` Secrets named `ca/<namespace>/<name>`: only the groups whose backends use one get it.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';
import type { SecretIR } from '../ir/ir-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import type { IngressEntries } from '../ingress/ingress-reader.js';
import { compareStrings } from '../ingress/ordering.js';
import { readTlsSecret } from './tls.js';
import { readCaBundle } from './policies/backend-ca.js';
import { kubeNameProblem, printable } from '../ingress/text-checks.js';

export class SecretRegistry {
  private readonly good = new Map<string, SecretIR>();
  private readonly bad = new Set<string>();

  constructor(
    private readonly resources: ResourceSet,
    private readonly diags: Diagnostic[],
  ) {}

  /** True when the Secret (`namespace/name`) holds a usable certificate; reports why not on `owner`. */
  use(secret: string, owner: IngressEntries): boolean {
    if (this.good.has(secret)) return true;
    if (this.bad.has(secret)) return false;
    const badName = kubeNameProblem(secret.slice(secret.indexOf('/') + 1));
    if (badName !== undefined) {
      this.reject(
        secret,
        diagnostic(
          'CW_E_OBJECT_NAME_INVALID',
          owner.diagRef,
          `TLS secretName "${printable(secret)}" ${badName}; its hosts are not served over HTTPS`,
        ),
      );
      return false;
    }
    const found = this.resources.secrets.get(secret);
    if (!found) {
      this.reject(
        secret,
        diagnostic(
          'CW_E_TLS_SECRET_NOT_FOUND',
          owner.diagRef,
          `TLS Secret ${secret} not found (only Secrets of type kubernetes.io/tls or Opaque are read); its hosts are not served over HTTPS`,
        ),
      );
      return false;
    }
    const meta = found.object.metadata;
    const ref: ObjectRef = { kind: 'Secret', namespace: meta.namespace, name: meta.name };
    const r = readTlsSecret(found.object);
    if (!r.ok) {
      this.reject(
        secret,
        diagnostic(
          r.code ?? 'CW_E_TLS_SECRET_INVALID',
          owner.diagRef,
          `TLS Secret ${secret}: ${r.error}; its hosts are not served over HTTPS`,
        ),
        diagnostic(r.code ?? 'CW_E_TLS_SECRET_INVALID', ref, r.error),
      );
      return false;
    }
    this.good.set(secret, {
      name: secret,
      certificateChain: r.certificateChain,
      privateKey: r.privateKey,
      source: ref,
    });
    return true;
  }

  /**
   * The CA certificates (`ca.crt`) of the Secret `namespace/name` for the backend `service`: the name of
   * its `trusted-ca` SecretIR, or undefined after a diagnostic on the Service (and, for bad content, on
   * the Secret once) saying why; the Service's routes then answer 503.
   */
  useTrustedCa(secret: string, service: ObjectRef): string | undefined {
    const name = `ca/${secret}`;
    if (this.good.has(name)) return name;
    const consequence = "the Service's routes answer 503";
    const found = this.resources.secrets.get(secret);
    if (!found) {
      this.diags.push(
        diagnostic(
          'CW_E_BACKEND_CA_SECRET_NOT_FOUND',
          service,
          `backend CA Secret ${secret} not found (only Secrets of type kubernetes.io/tls or Opaque are read); ${consequence}`,
        ),
      );
      return undefined;
    }
    const meta = found.object.metadata;
    const ref: ObjectRef = { kind: 'Secret', namespace: meta.namespace, name: meta.name };
    const r = readCaBundle(found.object);
    if (!r.ok) {
      const onService = `backend CA Secret ${secret}: ${r.error}; ${consequence}`;
      this.diags.push(diagnostic('CW_E_BACKEND_CA_SECRET_INVALID', service, onService));
      if (!this.bad.has(name)) this.reject(name, diagnostic('CW_E_BACKEND_CA_SECRET_INVALID', ref, r.error));
      return undefined;
    }
    this.good.set(name, { kind: 'trusted-ca', name, trustedCa: r.pem, source: ref });
    return name;
  }

  /**
   * The CA certificates (`ca.crt`) of the Secret `namespace/name` that client certificates of `owner`'s
   * TLS hosts must chain to (`causeway.dev/auth-tls-secret`): the name of its `trusted-ca` SecretIR
   * (shared with backends verified by the same Secret), or undefined after a diagnostic on the Ingress
   * (and, for bad content, on the Secret once) naming the Secret, never its content; the hosts then
   * answer 403.
   */
  useClientCa(secret: string, owner: IngressEntries): string | undefined {
    const name = `ca/${secret}`;
    if (this.good.has(name)) return name;
    const consequence = "the Ingress's TLS hosts answer 403 to every request";
    const found = this.resources.secrets.get(secret);
    if (!found) {
      const what = `client CA Secret ${secret} not found (only Secrets of type kubernetes.io/tls or Opaque are read); ${consequence}`;
      this.diags.push(diagnostic('CW_E_CLIENT_CA_SECRET_NOT_FOUND', owner.diagRef, what));
      return undefined;
    }
    const meta = found.object.metadata;
    const ref: ObjectRef = { kind: 'Secret', namespace: meta.namespace, name: meta.name };
    const r = readCaBundle(found.object);
    if (!r.ok) {
      const onIngress = `client CA Secret ${secret}: ${r.error}; ${consequence}`;
      this.diags.push(diagnostic('CW_E_CLIENT_CA_SECRET_INVALID', owner.diagRef, onIngress));
      if (!this.bad.has(name)) this.reject(name, diagnostic('CW_E_CLIENT_CA_SECRET_INVALID', ref, r.error));
      return undefined;
    }
    this.good.set(name, { kind: 'trusted-ca', name, trustedCa: r.pem, source: ref });
    return name;
  }

  /** The usable Secrets, sorted by name. */
  list(): SecretIR[] {
    return [...this.good.values()].sort((x, y) => compareStrings(x.name, y.name));
  }

  private reject(secret: string, ...diags: Diagnostic[]): void {
    this.bad.add(secret);
    this.diags.push(...diags);
  }
}
