/**
 * `causeway translate -f DIR`: offline, what each gateway group would get (xDS resources or the IR), or
 * with `--mode alb` the desired ALB stack of each IngressGroup of ALB-class Ingresses.
 */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import YAML from 'yaml';
import { readControllerConfig } from '../config/controller-config.js';
import { buildAlbStacks } from '../alb/build/alb-build.js';
import { parseAwsFacts, PLACEHOLDER_FACTS } from '../alb/build/aws-facts-file.js';
import type { AwsFacts } from '../alb/model/alb-model.js';
import { CausewayError, compareDiagnostics, type Diagnostic } from '../errors.js';
import type { ResourceSet } from '../resources/resource-set.js';
import { loadManifestsFolder } from '../sources/manifests/manifests-source.js';
import { addVms, vmConfigSlices } from '../sources/static-vms-source.js';
import { translate } from '../translate/translate.js';
import { translateXds } from '../../xds/translator/xds.translator.js';
import { xdsView } from '../../xds/translator/xds-view.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { parsePortFlag, reportCommandError } from './cli-errors.js';
import type { RegisterCommand } from './command-module.js';
import { translateOptionsFrom } from '../controller/translate-options-from-config.js';

function redactSecrets(resource: object): object {
  const r = JSON.parse(JSON.stringify(resource)) as { tls_certificate?: { private_key?: unknown } };
  if (r.tls_certificate?.private_key) r.tls_certificate.private_key = { inline_string: '[redacted]' };
  return r;
}

interface TranslateFlags {
  file: string;
  ir?: boolean;
  output: 'yaml' | 'json';
  config?: string;
  group?: string;
  httpPort?: number;
  httpsPort?: number;
  mode: 'gateway' | 'alb';
  awsFacts?: string;
  clusterName: string;
}

function readFacts(file: string | undefined): AwsFacts {
  if (file === undefined) return PLACEHOLDER_FACTS;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CausewayError('CW_E_USAGE', `cannot read AWS facts file ${file}: ${(err as Error).message}`);
  }
  const r = parseAwsFacts(text);
  if (!r.ok) throw new CausewayError('CW_E_USAGE', `AWS facts file ${file}: ${r.error}`);
  return r.facts;
}

/** `--mode alb`: the stacks (and groups held back) instead of gateway groups; undefined on a usage error. */
function albOutput(
  resources: ResourceSet,
  flags: TranslateFlags,
  sourceDiagnostics: readonly Diagnostic[],
): { diagnostics: Diagnostic[]; stacks: unknown; heldGroups: readonly string[] } | undefined {
  const result = buildAlbStacks(resources, readFacts(flags.awsFacts), { clusterName: flags.clusterName });
  const names = result.stacks.map((s) => s.group);
  if (flags.group !== undefined && !names.includes(flags.group)) {
    process.stderr.write(`causeway: unknown ALB group "${flags.group}" (groups: ${names.join(', ')})\n`);
    process.exitCode = 2;
    return undefined;
  }
  return {
    diagnostics: [...sourceDiagnostics, ...result.diagnostics].sort(compareDiagnostics),
    stacks: result.stacks.filter((s) => flags.group === undefined || s.group === flags.group),
    heldGroups: result.heldGroups,
  };
}

export const registerTranslateCommand: RegisterCommand = (program: Command) => {
  program
    .command('translate')
    .description(
      'Translate a manifests folder offline and print what each gateway group would get: Envoy resources ' +
        '(listeners, routes, clusters, endpoints, secrets with private keys redacted) or, with --ir, the intermediate ' +
        'representation. With --mode alb: the desired ALB stack (load balancers, listeners, rules, target groups ' +
        'with their targets) of each IngressGroup of ALB-class Ingresses. Diagnostics are printed too. Exits 1 ' +
        'when any diagnostic has severity error.',
    )
    .requiredOption('-f, --file <dir>', 'manifests folder to read (recursively: *.yaml, *.yml, *.json)')
    .option('--ir', 'print the intermediate representation instead of Envoy resources')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('--config <file>', 'controller config file (groups, ports and VM backends)')
    .option('--group <name>', 'print only this gateway group (with --mode alb: this IngressGroup)')
    .addOption(
      new Option(
        '--mode <mode>',
        'gateway: Ingresses of class causeway.dev/gateway; alb: the desired ALB stacks of Ingresses of class causeway.dev/alb',
      )
        .choices(['gateway', 'alb'])
        .default('gateway'),
    )
    .option(
      '--aws-facts <file>',
      'with --mode alb: YAML with vpcId, subnets and certificates (default: placeholders, see docs/alb.md)',
    )
    .option('--cluster-name <name>', 'with --mode alb: the cluster name in tags and AWS names', 'local')
    .option('--http-port <n>', 'gateways HTTP listener port (default 8080)', parsePortFlag)
    .option('--https-port <n>', 'gateways HTTPS listener port (default 8443)', parsePortFlag)
    .action(async (flags: TranslateFlags) => {
      try {
        const config = flags.config ? readControllerConfig(flags.config) : undefined;
        const options = translateOptionsFrom(config, flags);
        const vms = config?.vms ?? [];
        const update = addVms(
          await loadManifestsFolder(flags.file),
          vms,
          vmConfigSlices(vms),
          true,
          flags.config,
        );
        if (flags.mode === 'alb') {
          const out = albOutput(update.resources, flags, update.diagnostics);
          if (!out) return;
          process.stdout.write(
            flags.output === 'json'
              ? `${JSON.stringify(out, null, 2)}\n`
              : YAML.stringify(out, { lineWidth: 0, aliasDuplicateObjects: false }),
          );
          if (out.diagnostics.some((d) => d.severity === 'error')) process.exitCode = 1;
          return;
        }
        const result = translate(update.resources, options);
        const diagnostics = [...update.diagnostics, ...result.diagnostics].sort(compareDiagnostics);
        const groupNames = result.ir.groups.map((g) => g.name);
        if (flags.group !== undefined && !groupNames.includes(flags.group)) {
          process.stderr.write(
            `causeway: unknown gateway group "${flags.group}" (groups: ${groupNames.join(', ')})\n`,
          );
          process.exitCode = 2;
          return;
        }
        const keep = (name: string): boolean => flags.group === undefined || flags.group === name;
        let groups: Record<string, unknown>;
        if (flags.ir) {
          groups = Object.fromEntries(
            result.ir.groups
              .filter((g) => keep(g.name))
              .map((g) => [
                g.name,
                { ...g, secrets: g.secrets.map((s) => ({ ...s, privateKey: '[redacted]' })) },
              ]),
          );
        } else {
          groups = xdsView(
            translateXds(result.ir),
            (typeUrl, r) => (typeUrl === RESOURCE_TYPES.secret ? redactSecrets(r) : r),
            keep,
          );
        }
        const out = { diagnostics, groups };
        process.stdout.write(
          flags.output === 'json'
            ? `${JSON.stringify(out, null, 2)}\n`
            : YAML.stringify(out, { lineWidth: 0, aliasDuplicateObjects: false }),
        );
        if (diagnostics.some((d) => d.severity === 'error')) process.exitCode = 1;
      } catch (err) {
        reportCommandError(err);
      }
    });
};
