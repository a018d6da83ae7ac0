/**
 * Reads the weighted splits an Ingress declares (`causeway.dev/weighted-backends.<name>`), which its
 * backends `{service: {name: <name>, port: {name: use-annotation}}}` use. Pure; a bad value is a
 * CW_E_ANNOTATION_INVALID diagnostic naming the annotation, and backends using it answer 503.
 */
import { diagnostic, type Diagnostic } from '../../errors.js';
import type { IngressEntries } from '../../ingress/ingress-reader.js';
import { textProblem } from '../../ingress/text-checks.js';
import {
  parseWeightedBackends,
  WEIGHTED_BACKENDS_PREFIX,
  type WeightedBackendSpec,
} from './canary-annotations.js';

/** The port name that makes a backend use a weighted split (ALB mode's and ingress-nginx-like shape). */
export const USE_ANNOTATION = 'use-annotation';

const SPLIT_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** split name -> its backends, for every well-formed `weighted-backends.<name>` annotation. */
export function readWeightedBackends(
  owner: IngressEntries,
  diags: Diagnostic[],
): ReadonlyMap<string, readonly WeightedBackendSpec[]> {
  const out = new Map<string, readonly WeightedBackendSpec[]>();
  const annotations = owner.ingress.object.metadata.annotations ?? {};
  const keys = Object.keys(annotations).filter((k) => k.startsWith(WEIGHTED_BACKENDS_PREFIX));
  for (const key of keys.sort()) {
    const name = key.slice(WEIGHTED_BACKENDS_PREFIX.length);
    const fail = (why: string) =>
      diags.push(
        diagnostic(
          'CW_E_ANNOTATION_INVALID',
          owner.diagRef,
          `annotation ${WEIGHTED_BACKENDS_PREFIX}${SPLIT_NAME.test(name) ? name : '<name>'}: ${why}; backends using it answer 503`,
        ),
      );
    if (!SPLIT_NAME.test(name)) {
      fail('the name after the prefix is not a DNS label (a-z, 0-9, -; at most 63)');
      continue;
    }
    const raw = annotations[key]!;
    const bad = textProblem(raw);
    const r =
      bad === undefined ? parseWeightedBackends(raw) : { ok: false as const, error: `the value ${bad}` };
    if (r.ok) out.set(name, r.value);
    else fail(r.error);
  }
  return out;
}

/** The weighted splits of every owner that declares one. */
export function readAllWeightedBackends(
  owners: readonly IngressEntries[],
  diags: Diagnostic[],
): ReadonlyMap<IngressEntries, ReadonlyMap<string, readonly WeightedBackendSpec[]>> {
  const out = new Map<IngressEntries, ReadonlyMap<string, readonly WeightedBackendSpec[]>>();
  for (const o of owners) {
    const splits = readWeightedBackends(o, diags);
    if (splits.size > 0) out.set(o, splits);
  }
  return out;
}
