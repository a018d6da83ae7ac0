/**
 * The resilience policy of an Ingress's routes: what policies/resilience.ts read, with the group's
 * default encodings and the mirror Service resolved through the group's backend registry (a missing
 * Service or port is a diagnostic naming the annotation; the routes work without the mirror).
 */
import type { IngressEntries } from '../ingress/ingress-reader.js';
import type { CompressionEncodingIR, ResilienceIR } from '../ir/ir-types.js';
import type { BackendRegistry } from './backend-registry.js';
import type { ResilienceAnnotations } from './policies/resilience.js';
import { MIRROR_TARGET } from './policies/resilience-annotations.js';

/** What `resilienceOf` needs from the group: its backends and its default encodings. */
export interface ResilienceContext {
  readonly backends: BackendRegistry;
  readonly groupEncodings: readonly CompressionEncodingIR[];
}

/** The route policy of an Ingress: the group's encodings unless it set its own, its mirror resolved. */
export function resilienceOf(
  owner: IngressEntries,
  annotations: ResilienceAnnotations,
  ctx: ResilienceContext,
): ResilienceIR | undefined {
  const encodings = annotations.compression ?? ctx.groupEncodings;
  let mirror: ResilienceIR['mirror'];
  if (annotations.mirror) {
    const action = ctx.backends.action(
      owner,
      { service: { name: annotations.mirror.target.service, port: annotations.mirror.target.port } },
      `annotation ${MIRROR_TARGET.name}`,
      'its routes work without the mirror',
    );
    if (action.kind === 'forward') mirror = { backend: action.backend, percent: annotations.mirror.percent };
  }
  const r: ResilienceIR = {
    ...(annotations.retry ? { retry: annotations.retry } : {}),
    ...(encodings.length > 0 ? { compression: encodings } : {}),
    ...(mirror ? { mirror } : {}),
  };
  return Object.keys(r).length > 0 ? r : undefined;
}
