/**
 * What `causeway plan` runs (loaded when the command runs; the flags are in plan.command.ts): plan every
 * IngressGroup against AWS without applying, and print the plans for a reviewer (or as YAML/JSON).
 */
import YAML from 'yaml';
import type { AlbChange, AlbPlan } from '../alb/model/alb-model.js';
import { createAlbEdge } from '../alb/reconcile/alb-reconciler-factory.js';
import { AwsCallError } from '../alb/aws/aws-gateway.js';
import { FactsError } from '../alb/aws/facts-resolver.js';
import { compareDiagnostics } from '../errors.js';
import { loadManifestsFolder } from '../sources/manifests/manifests-source.js';

/** The flags of `causeway plan` (plan.command.ts). */
export interface PlanFlags {
  file: string;
  awsEndpoint?: string;
  awsRegion?: string;
  awsVpcId?: string;
  clusterName: string;
  output: 'text' | 'yaml' | 'json';
}

export interface GroupPlan {
  readonly group: string;
  readonly plan: AlbPlan;
}

type Marker = '+' | '~' | '-';

function markerOf(c: AlbChange): Marker {
  if (c.op.startsWith('create-') || c.op === 'register-targets') return '+';
  if (c.op.startsWith('delete-') || c.op === 'deregister-targets') return '-';
  return '~';
}

function targetsText(ts: readonly { id: string; port: number }[]): string {
  const shown = ts.slice(0, 4).map((t) => `${t.id}:${t.port}`);
  return ts.length > 4 ? `${shown.join(', ')}, ... (${ts.length})` : shown.join(', ');
}

/** One line describing a change: what and which resource. */
export function describeChange(c: AlbChange): string {
  switch (c.op) {
    case 'create-target-group':
      return `target group ${c.targetGroup.resourceId} (${c.targetGroup.name}, ${c.targetGroup.protocol}:${c.targetGroup.port})`;
    case 'modify-target-group':
      return `target group ${c.targetGroup.resourceId}: health check ${c.healthCheck.protocol} ${c.healthCheck.path}`;
    case 'modify-target-group-attributes':
      return `target group ${c.targetGroup.resourceId}: ${Object.entries(c.attributes)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`;
    case 'register-targets':
      return `targets of ${c.targetGroup.resourceId}: register ${targetsText(c.targets)}`;
    case 'deregister-targets':
      return `targets of ${c.targetGroup.resourceId}: deregister ${targetsText(c.targets)}`;
    case 'create-load-balancer':
      return `load balancer ${c.loadBalancer.resourceId} (${c.loadBalancer.name}, ${c.loadBalancer.scheme})`;
    case 'modify-load-balancer':
      return `load balancer ${c.loadBalancer.resourceId}: ${[
        c.subnetIds ? `subnets ${c.subnetIds.join(',')}` : '',
        c.securityGroupIds ? `security groups ${c.securityGroupIds.join(',')}` : '',
        c.ipAddressType ? `ip address type ${c.ipAddressType}` : '',
        c.attributes
          ? Object.entries(c.attributes)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')
          : '',
      ]
        .filter(Boolean)
        .join('; ')}`;
    case 'create-listener':
      return `listener ${c.listener.resourceId} (${c.listener.protocol}:${c.listener.port})`;
    case 'modify-listener':
      return `listener ${c.listener.resourceId} (${c.spec.protocol}:${c.spec.port})`;
    case 'create-rule':
      return `rule ${c.rule.resourceId} priority ${c.rule.priority}: ${conditionsText(c.rule.conditions)}`;
    case 'modify-rule':
      return `rule ${c.rule.resourceId}: ${conditionsText(c.conditions)}`;
    case 'set-rule-priorities':
      return `rule priorities: ${c.priorities.map((p) => `${p.rule.resourceId}=${p.priority}`).join(', ')}`;
    case 'delete-rule':
      return `rule ${c.rule.resourceId}`;
    case 'delete-listener':
      return `listener ${c.listener.resourceId}`;
    case 'delete-load-balancer':
      return `load balancer ${c.loadBalancer.resourceId}`;
    case 'delete-target-group':
      return `target group ${c.targetGroup.resourceId}`;
    case 'update-tags':
      return `tags of ${c.resource.resourceId}: ${[
        ...Object.keys(c.add).map((k) => `+${k}`),
        ...c.remove.map((k) => `-${k}`),
      ].join(' ')}`;
  }
}

function conditionsText(conditions: readonly { field: string; values: readonly string[] }[]): string {
  return conditions.map((c) => `${c.field} ${c.values.join(',')}`).join(' & ');
}

/** The reviewer's view of a plan: per group, one marked line per change, then a summary line. */
export function formatPlans(plans: readonly GroupPlan[]): string {
  const lines: string[] = [];
  const counts: Record<Marker, number> = { '+': 0, '~': 0, '-': 0 };
  let changed = 0;
  for (const { group, plan } of plans) {
    if (plan.changes.length === 0) continue;
    changed++;
    lines.push(`IngressGroup ${group}: ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'}`);
    for (const c of plan.changes) {
      const m = markerOf(c);
      counts[m]++;
      lines.push(`  ${m} ${c.op.padEnd(30)} ${describeChange(c)}`);
    }
    lines.push('');
  }
  if (changed === 0)
    return `No changes: ${plans.length} IngressGroup${plans.length === 1 ? '' : 's'} converged.\n`;
  lines.push(
    `Plan: ${counts['+']} to add, ${counts['~']} to change, ${counts['-']} to remove, ` +
      `in ${changed} of ${plans.length} IngressGroup${plans.length === 1 ? '' : 's'}.`,
  );
  return `${lines.join('\n')}\n`;
}

function awsProblem(err: unknown): string | undefined {
  if (err instanceof FactsError) return err.message;
  const inner = err instanceof AwsCallError ? err.cause : err;
  const name = (inner as { name?: string })?.name ?? '';
  const msg = inner instanceof Error ? inner.message : String(inner);
  if (name === 'CredentialsProviderError' || /credential/i.test(msg))
    return `AWS credentials are missing or rejected (${msg})`;
  if (/region/i.test(msg)) return `${msg}: pass --aws-region or set AWS_REGION`;
  return err instanceof AwsCallError ? err.message : undefined;
}

/** `causeway plan`: exit status 1 when AWS cannot be read. */
export async function runPlan(flags: PlanFlags): Promise<void> {
  const update = await loadManifestsFolder(flags.file);
  const edge = createAlbEdge({
    clusterName: flags.clusterName,
    ...(flags.awsEndpoint ? { endpoint: flags.awsEndpoint } : {}),
    ...(flags.awsRegion ? { region: flags.awsRegion } : {}),
    ...(flags.awsVpcId ? { vpcId: flags.awsVpcId } : {}),
    retry: { maxAttempts: 3, baseMs: 200, capMs: 2000 },
    mayApply: () => false,
  });
  try {
    const { plans, diagnostics } = await edge.reconciler.planAll(update.resources);
    const diags = [...update.diagnostics, ...diagnostics].sort(compareDiagnostics);
    for (const d of diags) {
      const o = d.object;
      process.stderr.write(
        `${d.severity}: ${d.code} ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}: ${d.message}\n`,
      );
    }
    if (flags.output === 'text') process.stdout.write(formatPlans(plans));
    else if (flags.output === 'json') process.stdout.write(`${JSON.stringify(plans, null, 2)}\n`);
    else process.stdout.write(YAML.stringify(plans, { lineWidth: 0, aliasDuplicateObjects: false }));
  } catch (err) {
    const problem = awsProblem(err);
    process.stderr.write(
      `causeway: cannot read AWS${flags.awsEndpoint ? ` at ${flags.awsEndpoint}` : ''}: ${problem ?? (err instanceof Error ? err.message : String(err))}\n`,
    );
    process.exitCode = 1;
  } finally {
    edge.destroy();
  }
}
