/**
 * The external auth of an Ingress's routes: what policies/ext-auth.ts read, with the auth Service
 * resolved through the group's backend registry (so it is a cluster of the group with its EndpointSlices,
 * like any backend). A missing Service or port is a diagnostic naming the annotation, and the routes
 * answer 503 (fail closed).
 */
import type { Diagnostic } from '../errors.js';
import type { IngressEntries } from '../ingress/ingress-reader.js';
import type { ExtAuthIR } from '../ir/ir-types.js';
import type { BackendRegistry } from './backend-registry.js';
import { AUTH_URL } from './policies/ext-auth-annotations.js';
import { FAIL_CLOSED, readExtAuth } from './policies/ext-auth.js';

export function extAuthOf(
  owner: IngressEntries,
  diags: Diagnostic[],
  backends: BackendRegistry,
): ExtAuthIR | undefined {
  const read = readExtAuth(owner, diags);
  if (read === undefined || read.kind === 'refused') return read;
  const { auth } = read;
  const action = backends.action(
    owner,
    { service: { name: auth.url.service, port: { number: auth.url.port } } },
    `annotation ${AUTH_URL.name}`,
    FAIL_CLOSED,
  );
  if (action.kind !== 'forward') return { kind: 'refused' };
  return {
    kind: 'check',
    service: {
      url: auth.rawUrl,
      backend: action.backend,
      path: auth.url.path === '' ? '/' : auth.url.path,
      timeoutSeconds: auth.timeoutSeconds,
      failOpen: auth.failOpen,
      requestHeaders: auth.requestHeaders,
      responseHeaders: auth.responseHeaders,
    },
    ...(auth.signin ? { signin: auth.signin } : {}),
  };
}
