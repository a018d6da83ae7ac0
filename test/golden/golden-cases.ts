/** Loads golden cases (manifests + optional TranslateOptions) and shapes xDS output for golden files. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { GroupResources } from '../../xds/cache/config-watcher.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { parseManifestFile } from '../../src/sources/manifests/manifest-parser.js';
import { buildResourceSet, type ResourceSet } from '../../src/resources/resource-set.js';
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
    } | null;
    if (parsed?.kind === 'TranslateOptions') {
      options = { defaults: parsed.defaults ?? options.defaults, groups: parsed.groups ?? {} };
    } else kept.push(doc);
  }
  const parsed = parseManifestFile(file, kept.join('\n---\n'), 'local');
  if (!parsed.ok)
    throw new Error(`golden case ${file} does not parse: ${JSON.stringify(parsed.diagnostics)}`);
  return { resources: buildResourceSet(parsed.objects), options };
}

const SHORT: Record<string, string> = {
  [RESOURCE_TYPES.cluster]: 'clusters',
  [RESOURCE_TYPES.endpoint]: 'endpoints',
  [RESOURCE_TYPES.secret]: 'secrets',
  [RESOURCE_TYPES.listener]: 'listeners',
  [RESOURCE_TYPES.route]: 'routes',
};

export function xdsView(xds: ReadonlyMap<string, GroupResources>): Record<string, Record<string, unknown[]>> {
  const out: Record<string, Record<string, unknown[]>> = {};
  for (const [group, types] of xds) {
    const g: Record<string, unknown[]> = {};
    for (const [typeUrl, resources] of types) g[SHORT[typeUrl]!] = resources.map((r) => r.resource);
    out[group] = g;
  }
  return out;
}
