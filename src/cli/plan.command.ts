/**
 * `causeway plan -f DIR`: ALB mode dry run. Reads the manifests folder, resolves the AWS facts and the
 * actual state we own (by ownership tags) from AWS, or from an emulator with `--aws-endpoint`, and
 * prints the changes a controller would apply, without applying any: grouped per IngressGroup, one
 * line per change (`+` create/register, `~` modify, `-` delete/deregister) and a summary line, or the
 * plan itself with `-o yaml|json`. Exit 0 (also "no changes"), 1 when AWS cannot be read, 2 on usage.
 * This file declares the flags; plan.action.ts, loaded when the command runs, does the work.
 */
import { Option, type Command } from 'commander';
import { lazyAction, type RegisterCommand } from './command-module.js';

export const registerPlanCommand: RegisterCommand = (program: Command) => {
  program
    .command('plan')
    .description(
      'ALB mode dry run: read a manifests folder, read the facts (subnets, ACM certificates) and the load ' +
        'balancers this cluster owns (by ownership tags) from AWS, and print the changes that `causeway ' +
        'controller --alb` would apply, without applying them. Exits 0 (also when there is nothing to do), 1 when ' +
        'AWS cannot be read (unreachable, credentials missing, no tagged subnet).',
    )
    .requiredOption('-f, --file <dir>', 'manifests folder to read (recursively: *.yaml, *.yml, *.json)')
    .option('--aws-endpoint <url>', 'AWS endpoint to use instead of the real one (moto, LocalStack)')
    .option('--aws-region <region>', 'AWS region (default: $AWS_REGION / the SDK configuration)')
    .option('--aws-vpc-id <id>', 'only subnets of this VPC (default: the VPC of the tagged subnets)')
    .option('--cluster-name <name>', 'the cluster name in ownership tags and AWS names', 'local')
    .addOption(
      new Option('-o, --output <format>', 'text (for a reviewer), or the plan as yaml or json')
        .choices(['text', 'yaml', 'json'])
        .default('text'),
    )
    .action(lazyAction(async () => (await import('./plan.action.js')).runPlan));
};
