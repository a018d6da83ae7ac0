/**
 * AWS names and resource ids. Load balancer and target group names are at most 32 characters of
 * [A-Za-z0-9-], neither starting nor ending with `-`, and unique per account and region, so a name is
 * `cw-<readable part>-<hash>`: the hash covers the cluster name, the resource id and the fields AWS
 * cannot change in place (scheme, protocol, port, VPC...). A change of such a field therefore gives a
 * new name, and the plan replaces the resource (create the new one, move references, delete the old)
 * instead of failing on a name clash.
 */
import { createHash } from 'node:crypto';
import type { ConditionSpec } from './alb-model.js';

const AWS_NAME_MAX = 32;
const HASH_LENGTH = 10;

function shortHash(input: string, length = HASH_LENGTH): string {
  return createHash('sha256').update(input).digest('hex').slice(0, length);
}

/** `cw-<readable>-<hash>`, at most 32 characters; `readable` is squeezed to [a-z0-9-]. */
export function awsName(readable: string, hashInput: readonly string[]): string {
  const hash = shortHash(hashInput.join('\u0000'));
  const room = AWS_NAME_MAX - 'cw-'.length - 1 - hash.length;
  const clean = readable
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, room)
    .replace(/^-+|-+$/g, '');
  return clean === '' ? `cw-${hash}` : `cw-${clean}-${hash}`;
}

/** The key of a rule's match: the same conditions give the same key, wherever the rule sits. */
export function conditionsKey(conditions: readonly ConditionSpec[]): string {
  return conditions
    .map((c) => `${c.field}=${[...c.values].sort().join(',')}`)
    .sort()
    .join(';');
}

/** A rule's resource id: stable across priority moves (derived from its conditions only). */
export function ruleResourceId(listenerResourceId: string, conditions: readonly ConditionSpec[]): string {
  return `${listenerResourceId}/rule/${shortHash(conditionsKey(conditions), 12)}`;
}
