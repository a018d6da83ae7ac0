/**
 * ALB golden cases: loads manifests (plus optional test-only documents `kind: AwsFacts` and
 * `kind: AlbBuildOptions`), and simulates the actual state a converged apply of a desired stack
 * leaves in AWS (ARNs invented from resource ids, every registered target healthy), so that plan cases
 * read as "before" -> "after".
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { parseManifestFile } from '../../src/sources/manifests/manifest-parser.js';
import type { KubeObject } from '../../src/resources/kube-types.js';
import { buildResourceSet, type ResourceSet, type Sourced } from '../../src/resources/resource-set.js';
import type { AlbBuildOptions } from '../../src/alb/build/alb-build.js';
import type { ActualStack, AlbStack, AwsFacts } from '../../src/alb/model/alb-model.js';
import { isRegistered } from '../../src/alb/plan/plan-targets.js';
import { withAttributesDigest } from '../../src/alb/model/attributes-digest.js';

export const ALB_CASES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cases');

export const DEFAULT_FACTS: AwsFacts = {
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  subnets: [
    { id: 'subnet-0a000001', availabilityZone: 'us-east-1a', roles: ['internet-facing'] },
    { id: 'subnet-0b000001', availabilityZone: 'us-east-1b', roles: ['internet-facing'] },
    { id: 'subnet-0a000002', availabilityZone: 'us-east-1a', roles: ['internal'] },
    { id: 'subnet-0b000002', availabilityZone: 'us-east-1b', roles: ['internal'] },
    { id: 'subnet-0c000002', availabilityZone: 'us-east-1c', roles: ['internal'] },
  ],
  certificates: [
    {
      arn: 'arn:aws:acm:us-east-1:123456789012:certificate/wildcard-example-com',
      domains: ['*.example.com', 'example.com'],
    },
    {
      arn: 'arn:aws:acm:us-east-1:123456789012:certificate/shop-example-org',
      domains: ['shop.example.org'],
    },
  ],
};

export const DEFAULT_OPTIONS: AlbBuildOptions = { clusterName: 'golden' };

export interface AlbCaseInput {
  readonly resources: ResourceSet;
  readonly facts: AwsFacts;
  readonly options: AlbBuildOptions;
}

/** Parses manifests text with the optional AwsFacts / AlbBuildOptions documents. */
export function parseAlbCase(file: string, text: string): AlbCaseInput {
  let facts = DEFAULT_FACTS;
  let options = DEFAULT_OPTIONS;
  const kept: string[] = [];
  for (const doc of text.split(/^---\s*$/m)) {
    const parsed = YAML.parse(doc) as ({ kind?: string } & Record<string, unknown>) | null;
    if (parsed?.kind === 'AwsFacts') facts = { ...DEFAULT_FACTS, ...(parsed as Partial<AwsFacts>) };
    else if (parsed?.kind === 'AlbBuildOptions') options = { clusterName: String(parsed['clusterName']) };
    else kept.push(doc);
  }
  const parsed = parseManifestFile(file, kept.join('\n---\n'), 'local');
  if (!parsed.ok) throw new Error(`ALB case ${file} does not parse: ${JSON.stringify(parsed.diagnostics)}`);
  return { resources: buildResourceSet(parsed.objects), facts, options };
}

export function loadAlbCase(relative: string): AlbCaseInput {
  return parseAlbCase(relative, fs.readFileSync(path.join(ALB_CASES_DIR, relative), 'utf8'));
}

export function resourcesOf(objects: readonly KubeObject[]): ResourceSet {
  return buildResourceSet(
    objects.map((object): Sourced<KubeObject> => ({ object, origin: { cluster: 'local' } })),
  );
}

const arnOf = (kind: string, id: string): string =>
  `arn:aws:elasticloadbalancing:us-east-1:123456789012:${kind}/${id.replace(/[^A-Za-z0-9/-]/g, '-')}`;

/** What AWS holds after a converged apply of `stack` (every registered target healthy). */
export function actualFromDesired(stack: AlbStack | undefined): ActualStack {
  if (!stack) return { loadBalancers: [], targetGroups: [] };
  // A converged apply leaves the attributes digest tag on target groups and load balancers.
  return {
    loadBalancers: stack.loadBalancers.map(({ listeners, hosts: _h, ingresses: _i, ...lb }) => ({
      ...lb,
      tags: withAttributesDigest(lb.tags, lb.attributes),
      arn: arnOf('loadbalancer/app', lb.resourceId),
      dnsName: `${lb.name}.us-east-1.elb.amazonaws.com`,
      listeners: listeners.map(({ rules, resourceId, ...l }) => ({
        ...l,
        arn: arnOf('listener/app', resourceId),
        rules: rules.map(({ source: _s, ...r }) => ({ ...r, arn: arnOf('listener-rule/app', r.resourceId) })),
      })),
    })),
    targetGroups: stack.targetGroups.map(({ targets, service: _s, ...tg }) => ({
      ...tg,
      tags: withAttributesDigest(tg.tags, tg.attributes),
      arn: arnOf('targetgroup', tg.resourceId),
      targets: targets.filter(isRegistered).map((t) => ({ id: t.id, port: t.port, health: 'healthy' })),
    })),
  };
}
