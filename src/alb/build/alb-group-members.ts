/**
 * The members of one IngressGroup and what they agree on: an Ingress joins when its group settings and
 * listen ports agree with those of the Ingresses before it. Also settles each HTTPS listener's
 * certificates and the group's SSL redirect port.
 */
import { diagnostic, type Diagnostic } from '../../errors.js';
import type { AwsFacts } from '../model/alb-model.js';
import { compareStrings } from '../../ingress/ordering.js';
import type { SslRedirect } from './alb-annotation-parsers.js';
import { SSL_REDIRECT } from './alb-group-annotations.js';
import { certificateFor } from './alb-certificates.js';
import type { AlbIngress } from './alb-ingress-reader.js';

/** A listen port of the group, the members that listen on it, and (HTTPS) its certificates. */
export interface GroupListener {
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly owners: AlbIngress[];
  certificateArns: string[];
}

function describe(a: AlbIngress): string {
  return `Ingress ${a.entries.ref.namespace}/${a.entries.ref.name}`;
}

export class GroupMembers {
  private readonly settings = new Map<string, { value: unknown; owner: AlbIngress }>();
  readonly listeners = new Map<number, GroupListener>();

  constructor(
    private readonly group: string,
    private readonly diags: Diagnostic[],
  ) {}

  /** Admits an Ingress into the group when its group settings and listen ports agree with those before it. */
  join(m: AlbIngress): boolean {
    const conflicts = this.conflictsOf(m);
    if (conflicts.length > 0) {
      for (const c of conflicts)
        this.diags.push(
          diagnostic(
            'CW_E_ALB_GROUP_CONFLICT',
            m.entries.diagRef,
            `${c}; the Ingress is left out of the group`,
          ),
        );
      return false;
    }
    for (const [name, value] of m.groupSettings)
      if (!this.settings.has(name)) this.settings.set(name, { value, owner: m });
    for (const p of m.listenPorts) {
      const l = this.listeners.get(p.port) ?? { ...p, owners: [], certificateArns: [] };
      l.owners.push(m);
      this.listeners.set(p.port, l);
    }
    return true;
  }

  private conflictsOf(m: AlbIngress): string[] {
    const conflicts: string[] = [];
    for (const [name, value] of m.groupSettings) {
      const prev = this.settings.get(name);
      if (prev && JSON.stringify(prev.value) !== JSON.stringify(value))
        conflicts.push(
          `annotation ${name} is ${JSON.stringify(value)} but ${describe(prev.owner)}, before it in group "${this.group}", sets ${JSON.stringify(prev.value)}`,
        );
    }
    for (const p of m.listenPorts) {
      const l = this.listeners.get(p.port);
      if (l && l.protocol !== p.protocol)
        conflicts.push(
          `listen port ${p.port} is ${p.protocol} but ${describe(l.owners[0]!)} makes it ${l.protocol}`,
        );
    }
    return conflicts;
  }

  /** The group's value of a group setting (set by the first member that sets it). */
  setting(name: string): unknown {
    return this.settings.get(name)?.value;
  }

  /** The member whose annotation sets a group setting. */
  settingOwner(name: string): AlbIngress | undefined {
    return this.settings.get(name)?.owner;
  }

  /**
   * Certificates of each HTTPS listener: annotated ARNs, else discovered for TLS hosts; default first.
   * An HTTPS listener left without a certificate is dropped.
   */
  settleCertificates(facts: AwsFacts): void {
    for (const l of this.listeners.values()) {
      if (l.protocol !== 'HTTPS') continue;
      const unique = [...new Set(this.certificatesOf(l, facts))];
      l.certificateArns = unique.length > 0 ? [unique[0]!, ...unique.slice(1).sort(compareStrings)] : [];
      if (unique.length === 0) {
        for (const o of l.owners)
          this.diags.push(
            diagnostic(
              'CW_E_ALB_LISTENER_WITHOUT_CERTIFICATE',
              o.entries.diagRef,
              `HTTPS listen port ${l.port} of group "${this.group}" has no certificate (annotate alb.causeway.dev/certificate-arn or add TLS hosts covered by an ACM certificate); the listener is not created`,
            ),
          );
        this.listeners.delete(l.port);
      }
    }
  }

  private certificatesOf(l: GroupListener, facts: AwsFacts): string[] {
    const arns: string[] = [];
    for (const o of l.owners) {
      if (o.certificateArns.length > 0) {
        arns.push(...o.certificateArns);
        continue;
      }
      for (const h of o.tlsHosts) {
        const arn = certificateFor(h, facts.certificates);
        if (arn !== undefined) arns.push(arn);
        else
          this.diags.push(
            diagnostic(
              'CW_E_ALB_CERTIFICATE_NOT_FOUND',
              o.entries.diagRef,
              `no ACM certificate covers TLS host "${h}" and no alb.causeway.dev/certificate-arn is set; HTTPS clients for it get the listener's default certificate`,
            ),
          );
      }
    }
    return arns;
  }

  /** The HTTPS port HTTP listeners redirect to, when ssl-redirect is on and usable. */
  redirectPort(): number | undefined {
    const s = this.settings.get(SSL_REDIRECT.name);
    const value = s?.value as SslRedirect | undefined;
    if (!s || !value?.enabled) return undefined;
    const https = [...this.listeners.values()]
      .filter((l) => l.protocol === 'HTTPS')
      .map((l) => l.port)
      .sort((a, b) => a - b);
    const port = value.port ?? https[0];
    if (port !== undefined && https.includes(port)) return port;
    this.diags.push(
      diagnostic(
        'CW_E_ALB_SSL_REDIRECT_WITHOUT_HTTPS',
        s.owner.entries.diagRef,
        `ssl-redirect: group "${this.group}" has no HTTPS listener${value.port !== undefined ? ` on port ${value.port}` : ''}; HTTP listeners keep serving the rules`,
      ),
    );
    return undefined;
  }
}
