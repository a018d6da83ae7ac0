/**
 * AwsFacts from a YAML file, for offline commands (`causeway translate --mode alb --aws-facts FILE`):
 *
 *   vpcId: vpc-0123456789abcdef0
 *   subnets:
 *     - { id: subnet-0a1b2c3d, availabilityZone: us-east-1a, roles: [internet-facing] }
 *   certificates:
 *     - { arn: "arn:aws:acm:...:certificate/...", domains: ["*.example.com", example.com] }
 *
 * Without a file, PLACEHOLDER_FACTS stand in: a placeholder VPC and two placeholder subnets per scheme,
 * no certificate. Pure: the caller reads the file.
 */
import YAML from 'yaml';
import type { AlbScheme, AwsFacts, CertificateFact, SubnetFact } from '../model/alb-model.js';

export const PLACEHOLDER_FACTS: AwsFacts = {
  vpcId: 'vpc-00000000000000000',
  subnets: [
    { id: 'subnet-00000000000000001', availabilityZone: 'placeholder-a', roles: ['internet-facing'] },
    { id: 'subnet-00000000000000002', availabilityZone: 'placeholder-b', roles: ['internet-facing'] },
    { id: 'subnet-00000000000000003', availabilityZone: 'placeholder-a', roles: ['internal'] },
    { id: 'subnet-00000000000000004', availabilityZone: 'placeholder-b', roles: ['internal'] },
  ],
  certificates: [],
};

export type FactsParse =
  { readonly ok: true; readonly facts: AwsFacts } | { readonly ok: false; readonly error: string };

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';

export function parseAwsFacts(text: string): FactsParse {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    return { ok: false, error: `not YAML: ${(e as Error).message}` };
  }
  const o = doc as { vpcId?: unknown; subnets?: unknown; certificates?: unknown } | null;
  if (typeof o !== 'object' || o === null)
    return { ok: false, error: 'expected a mapping with vpcId, subnets, certificates' };
  if (!isString(o.vpcId)) return { ok: false, error: 'vpcId must be a string' };
  const subnets: SubnetFact[] = [];
  for (const [i, s] of ((o.subnets ?? []) as unknown[]).entries()) {
    const x = s as { id?: unknown; availabilityZone?: unknown; roles?: unknown };
    const roles = Array.isArray(x?.roles) ? (x.roles as unknown[]) : [];
    if (
      !isString(x?.id) ||
      !isString(x.availabilityZone) ||
      !roles.every((r) => r === 'internet-facing' || r === 'internal')
    )
      return {
        ok: false,
        error: `subnets[${i}] needs id, availabilityZone and roles (internet-facing, internal)`,
      };
    subnets.push({ id: x.id, availabilityZone: x.availabilityZone, roles: roles as AlbScheme[] });
  }
  const certificates: CertificateFact[] = [];
  for (const [i, c] of ((o.certificates ?? []) as unknown[]).entries()) {
    const x = c as { arn?: unknown; domains?: unknown };
    if (!isString(x?.arn) || !Array.isArray(x.domains) || !(x.domains as unknown[]).every(isString))
      return { ok: false, error: `certificates[${i}] needs arn and domains (a list of names)` };
    certificates.push({ arn: x.arn, domains: x.domains as string[] });
  }
  if (!Array.isArray(o.subnets ?? []) || !Array.isArray(o.certificates ?? []))
    return { ok: false, error: 'subnets and certificates must be lists' };
  return { ok: true, facts: { vpcId: o.vpcId, subnets, certificates } };
}
