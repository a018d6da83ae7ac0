/**
 * Resolves the AWS facts the pure build needs (alb-model.ts `AwsFacts`): the VPC, the subnets a load
 * balancer may use (tagged `kubernetes.io/role/elb` for internet-facing, `kubernetes.io/role/internal-elb`
 * for internal; or named by the `alb.causeway.dev/subnets` annotation), and the ACM certificates with the domains they cover. Read once
 * and cached for `ttlMs` (subnets and certificates change rarely; a new certificate is picked up within
 * that time): a resync costs no call.
 */
import { DescribeCertificateCommand, ListCertificatesCommand } from '@aws-sdk/client-acm';
import { DescribeSubnetsCommand, type DescribeSubnetsCommandOutput, type Subnet } from '@aws-sdk/client-ec2';
import type { AlbScheme, AwsFacts, CertificateFact, SubnetFact } from '../model/alb-model.js';
import { codeOf, type AwsGateway } from './aws-gateway.js';

const ROLE_ELB = 'kubernetes.io/role/elb';
const ROLE_INTERNAL_ELB = 'kubernetes.io/role/internal-elb';

export interface FactsResolverOptions {
  readonly gateway: AwsGateway;
  /** Only subnets of this VPC; default: the VPC of the tagged subnets (an error when they span several). */
  readonly vpcId?: string;
  /** Facts are re-read after this long (default 10 min). */
  readonly ttlMs?: number;
}

/** The facts could not be resolved (no tagged subnet, subnets in several VPCs). */
export class FactsError extends Error {
  override readonly name = 'FactsError';
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function subnetFact(s: Subnet): SubnetFact {
  const tags = new Map((s.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  const roles: AlbScheme[] = [];
  if (tags.has(ROLE_ELB) && tags.get(ROLE_ELB) !== '0') roles.push('internet-facing');
  if (tags.has(ROLE_INTERNAL_ELB) && tags.get(ROLE_INTERNAL_ELB) !== '0') roles.push('internal');
  return { id: s.SubnetId ?? '', availabilityZone: s.AvailabilityZone ?? '', roles };
}

export class FactsResolver {
  private cached: { at: number; key: string; facts: AwsFacts } | undefined;

  constructor(private readonly o: FactsResolverOptions) {}

  /**
   * The facts (without placements, which come from each group's actual stack). `annotatedSubnetIds`:
   * subnets named by `alb.causeway.dev/subnets` annotations, described too even when untagged.
   */
  async facts(annotatedSubnetIds: readonly string[] = []): Promise<AwsFacts> {
    const ttl = this.o.ttlMs ?? 10 * 60_000;
    const extra = [...new Set(annotatedSubnetIds)].sort(compare);
    const key = extra.join(',');
    if (this.cached && this.cached.key === key && Date.now() - this.cached.at < ttl) return this.cached.facts;
    const facts = { ...(await this.readSubnets(extra)), certificates: await this.readCertificates() };
    this.cached = { at: Date.now(), key, facts };
    return facts;
  }

  /** Drops the cached facts. */
  invalidate(): void {
    this.cached = undefined;
  }

  private async readSubnets(extra: readonly string[]): Promise<{ vpcId: string; subnets: SubnetFact[] }> {
    const subnets: Subnet[] = await this.describeSubnets([
      { Name: 'tag-key', Values: [ROLE_ELB, ROLE_INTERNAL_ELB] },
      ...(this.o.vpcId ? [{ Name: 'vpc-id', Values: [this.o.vpcId] }] : []),
    ]);
    const have = new Set(subnets.map((s) => s.SubnetId));
    const missing = extra.filter((id) => !have.has(id));
    if (missing.length > 0) {
      try {
        subnets.push(...(await this.describeSubnets([{ Name: 'subnet-id', Values: missing }])));
      } catch (err) {
        // A subnet id that does not exist: the build reports the annotation (CW_E_ALB_SUBNETS).
        if (!/NotFound|Malformed/.test(codeOf(err))) throw err;
      }
    }
    const vpcs = [...new Set(subnets.map((s) => s.VpcId ?? ''))].sort(compare);
    if (vpcs.length === 0)
      throw new FactsError(
        `no subnet tagged ${ROLE_ELB} or ${ROLE_INTERNAL_ELB}${this.o.vpcId ? ` in ${this.o.vpcId}` : ''}, and none annotated`,
      );
    if (vpcs.length > 1)
      throw new FactsError(`the subnets found span several VPCs (${vpcs.join(', ')}): pass --aws-vpc-id`);
    return {
      vpcId: vpcs[0]!,
      subnets: subnets.map(subnetFact).sort((a, b) => compare(a.id, b.id)),
    };
  }

  private async describeSubnets(filters: { Name: string; Values: string[] }[]): Promise<Subnet[]> {
    const out: Subnet[] = [];
    let token: string | undefined;
    do {
      const page: DescribeSubnetsCommandOutput = await this.o.gateway.ec2(
        new DescribeSubnetsCommand({ Filters: filters, ...(token ? { NextToken: token } : {}) }),
      );
      out.push(...(page.Subnets ?? []));
      token = page.NextToken;
    } while (token);
    return out;
  }

  private async readCertificates(): Promise<CertificateFact[]> {
    const arns: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.o.gateway.acm(
        new ListCertificatesCommand({
          CertificateStatuses: ['ISSUED'],
          MaxItems: 1000,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const c of page.CertificateSummaryList ?? []) if (c.CertificateArn) arns.push(c.CertificateArn);
      token = page.NextToken;
    } while (token);
    const out: CertificateFact[] = [];
    for (const arn of arns) {
      const d = await this.o.gateway.acm(new DescribeCertificateCommand({ CertificateArn: arn }));
      const c = d.Certificate;
      const domains = new Set([
        ...(c?.DomainName ? [c.DomainName] : []),
        ...(c?.SubjectAlternativeNames ?? []),
      ]);
      out.push({ arn, domains: [...domains].sort(compare) });
    }
    return out.sort((a, b) => compare(a.arn, b.arn));
  }
}
