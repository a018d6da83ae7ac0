/**
 * Certificate discovery for HTTPS listeners: a TLS host without an annotated ARN gets the ACM
 * certificate (from AwsFacts) whose domain names cover it: an exact name first, then a wildcard
 * covering exactly one label (`*.example.com` covers `a.example.com`, not `example.com` nor
 * `a.b.example.com`, as TLS does). Ties go to the lowest ARN, so the choice is stable.
 */
import { wildcardMatches } from '../../ingress/hosts.js';
import type { CertificateFact } from '../model/alb-model.js';

export function certificateFor(host: string, certificates: readonly CertificateFact[]): string | undefined {
  const h = host.toLowerCase();
  const exact: string[] = [];
  const wild: string[] = [];
  for (const c of certificates) {
    const domains = c.domains.map((d) => d.toLowerCase());
    if (domains.includes(h)) exact.push(c.arn);
    else if (domains.some((d) => wildcardMatches(d, h))) wild.push(c.arn);
  }
  return [...exact].sort()[0] ?? [...wild].sort()[0];
}
