/**
 * What `causeway translate` runs (loaded when the command runs; the flags are in translate.command.ts):
 * read the manifests folder and print what each gateway group would get, or the desired ALB stacks.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { readControllerConfig } from '../config/controller-config.js';
import { buildAlbStacks } from '../alb/build/alb-build.js';
import { parseAwsFacts, PLACEHOLDER_FACTS } from '../alb/build/aws-facts-file.js';
import type { AwsFacts } from '../alb/model/alb-model.js';
import { translateOptionsFrom } from '../controller/translate-options-from-config.js';
import { CausewayError, compareDiagnostics, type Diagnostic } from '../errors.js';
import type { IR } from '../ir/ir-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import { loadManifestsFolder } from '../sources/manifests/manifests-source.js';
import type { SourceUpdate } from '../sources/source-update.js';
import { addVms, vmConfigSlices } from '../sources/static-vms-source.js';
import { withGatewayClassStatus } from '../gateway-api/gateway-class-status.js';
import { hasGatewayApi } from '../translate/gateway-api-translate.js';
import { translate } from '../translate/translate.js';
import { redactPrivateKeysDeep } from '../util/private-keys.js';
import { redactBasicAuth } from './redact-basic-auth.js';
import type { TranslateOptions } from '../translate/translate-options.js';
import { translateXds, type XdsTranslation } from '../../xds/translator/xds.translator.js';
import { xdsView } from '../../xds/translator/xds-view.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { reportCommandError } from './cli-errors.js';

/** The flags of `causeway translate` (translate.command.ts). */
export interface TranslateFlags {
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

/** A resource with its private key redacted, and any PEM private key block in any other field too. */
function redactSecrets(resource: object): object {
  const r = redactPrivateKeysDeep(resource) as { tls_certificate?: { private_key?: unknown } };
  if (r.tls_certificate?.private_key) r.tls_certificate.private_key = { inline_string: '[redacted]' };
  return r;
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

/** Prints `out` as YAML or JSON. */
function print(out: object, format: TranslateFlags['output']): void {
  process.stdout.write(
    format === 'json'
      ? `${JSON.stringify(out, null, 2)}\n`
      : YAML.stringify(out, { lineWidth: 0, aliasDuplicateObjects: false }),
  );
}

/** The gateway groups to print: the IR (private keys redacted) or the Envoy resources of each. */
function gatewayGroups(
  ir: IR,
  xds: XdsTranslation,
  flags: TranslateFlags,
  keep: (name: string) => boolean,
): Record<string, unknown> {
  if (flags.ir) {
    return Object.fromEntries(
      ir.groups
        .filter((g) => keep(g.name))
        .map((g) => [
          g.name,
          redactBasicAuth(
            redactPrivateKeysDeep({
              ...g,
              secrets: g.secrets.map((s) =>
                s.kind === 'trusted-ca' ? s : { ...s, privateKey: '[redacted]' },
              ),
            }),
          ),
        ]),
    );
  }
  return xdsView(
    xds.resources,
    (typeUrl, r) =>
      typeUrl === RESOURCE_TYPES.secret
        ? redactSecrets(r)
        : (redactBasicAuth(redactPrivateKeysDeep(r)) as object),
    keep,
  );
}

/** Gateway mode: translates and prints the groups; exit status 2 for an unknown --group, 1 on error diagnostics. */
function printGateway(update: SourceUpdate, options: TranslateOptions, flags: TranslateFlags): void {
  const result = translate(update.resources, options);
  // The xDS guard's diagnostics (resources left out before a gateway would see them) count too.
  const xds = translateXds(result.ir);
  const diagnostics = [...update.diagnostics, ...result.diagnostics, ...xds.diagnostics].sort(
    compareDiagnostics,
  );
  const groupNames = result.ir.groups.map((g) => g.name);
  if (flags.group !== undefined && !groupNames.includes(flags.group)) {
    process.stderr.write(
      `causeway: unknown gateway group "${flags.group}" (groups: ${groupNames.join(', ')})\n`,
    );
    process.exitCode = 2;
    return;
  }
  const keep = (name: string): boolean => flags.group === undefined || flags.group === name;
  // With Gateway API objects: the status the leader would write on them (conditions, listeners, parents).
  const gatewayApiStatus = hasGatewayApi(update.resources)
    ? { gatewayApiStatus: withGatewayClassStatus(result.gatewayApiStatus, update.resources) }
    : {};
  print(
    { diagnostics, ...gatewayApiStatus, groups: gatewayGroups(result.ir, xds, flags, keep) },
    flags.output,
  );
  if (diagnostics.some((d) => d.severity === 'error')) process.exitCode = 1;
}

/** ALB mode: prints the desired stacks; exit status 2 for an unknown --group, 1 on error diagnostics. */
function printAlb(update: SourceUpdate, flags: TranslateFlags): void {
  const out = albOutput(update.resources, flags, update.diagnostics);
  if (!out) return;
  print(out, flags.output);
  if (out.diagnostics.some((d) => d.severity === 'error')) process.exitCode = 1;
}

/** `causeway translate`: reads the folder (and the config file's VM backends) and prints the result. */
export async function runTranslate(flags: TranslateFlags): Promise<void> {
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
    if (flags.mode === 'alb') printAlb(update, flags);
    else printGateway(update, options, flags);
  } catch (err) {
    reportCommandError(err);
  }
}
