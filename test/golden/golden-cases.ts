/** Loads golden cases (manifests + optional TranslateOptions) and shapes xDS output for golden files. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { parseManifestFile } from '../../src/sources/manifests/manifest-parser.js';
import type { KubeObject } from '../../src/resources/kube-types.js';
import { buildResourceSet, type ResourceSet, type Sourced } from '../../src/resources/resource-set.js';
import { DEFAULT_TRANSLATE_OPTIONS, type TranslateOptions } from '../../src/translate/translate-options.js';

export const CASES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cases');

export interface GoldenCase {
  readonly resources: ResourceSet;
  readonly options: TranslateOptions;
}

export function loadCase(name: string): GoldenCase {
  const file = `${name}.in.yaml`;
  const text = fs.readFileSync(path.join(CASES_DIR, file), 'utf8');
  let options = DEFAULT_TRANSLATE_OPTIONS;
  const kept: string[] = [];
  for (const doc of text.split(/^---\s*$/m)) {
    const parsed = YAML.parse(doc) as {
      kind?: string;
      defaults?: TranslateOptions['defaults'];
      groups?: TranslateOptions['groups'];
      clusterZones?: TranslateOptions['clusterZones'];
    } | null;
    if (parsed?.kind === 'TranslateOptions') {
      options = {
        defaults: parsed.defaults ?? options.defaults,
        groups: parsed.groups ?? {},
        ...(parsed.clusterZones ? { clusterZones: parsed.clusterZones } : {}),
      };
    } else kept.push(doc);
  }
  const parsed = parseManifestFile(file, kept.join('\n---\n'), 'local');
  if (!parsed.ok)
    throw new Error(`golden case ${file} does not parse: ${JSON.stringify(parsed.diagnostics)}`);
  return { resources: buildResourceSet(parsed.objects.map(inCluster)), options };
}

/** Test-only: the label `causeway.test/cluster` puts an object in that source cluster (default `local`). */
export const TEST_CLUSTER_LABEL = 'causeway.test/cluster';

function inCluster(s: Sourced<KubeObject>): Sourced<KubeObject> {
  const cluster = s.object.metadata.labels?.[TEST_CLUSTER_LABEL];
  return cluster === undefined ? s : { ...s, origin: { ...s.origin, cluster } };
}

export { xdsView } from '../../xds/translator/xds-view.js';
