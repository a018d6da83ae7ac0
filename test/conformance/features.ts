/**
 * The Gateway API features Causeway claims in a conformance run (`-supported-features`), by phase, and
 * the profiles reported (`-conformance-profiles`). Core features of a listed profile are added by the
 * suite itself; a test runs only when every feature it names is claimed (docs/gateway-api-conformance.md
 * lists each test of GATEWAY-HTTP and GATEWAY-GRPC with its features).
 */

/** First run: the GATEWAY-HTTP core profile only (Gateway, HTTPRoute, ReferenceGrant). */
export const FIRST_RUN_FEATURES: readonly string[] = ['Gateway', 'HTTPRoute', 'ReferenceGrant'];

/** Then: GATEWAY-GRPC core as well. */
export const CORE_FEATURES: readonly string[] = [...FIRST_RUN_FEATURES, 'GRPCRoute'];

/**
 * The extended features Causeway claims (matching, filters, redirects, rewrites, mirror, timeouts,
 * parentRef port, redirect codes, named rules, h2c and WebSocket backends); each passed its tests.
 */
export const PLANNED_EXTENDED_FEATURES: readonly string[] = [
  'GatewayPort8080',
  'HTTPRouteBackendTimeout',
  'HTTPRouteHostRewrite',
  'HTTPRouteMethodMatching',
  'HTTPRouteParentRefPort',
  'HTTPRoutePathRedirect',
  'HTTPRoutePathRewrite',
  'HTTPRoutePortRedirect',
  'HTTPRouteQueryParamMatching',
  'HTTPRouteRequestMirror',
  'HTTPRouteRequestPercentageMirror',
  'HTTPRouteRequestTimeout',
  'HTTPRouteResponseHeaderModification',
  'HTTPRouteSchemeRedirect',
  // Passed when first claimed (2026-12-08): redirect codes, named rules, h2c and WebSocket backends.
  'GRPCRouteNamedRouteRule',
  'HTTPRoute303RedirectStatusCode',
  'HTTPRoute307RedirectStatusCode',
  'HTTPRoute308RedirectStatusCode',
  'HTTPRouteBackendProtocolH2C',
  'HTTPRouteBackendProtocolWebSocket',
  'HTTPRouteNamedRouteRule',
];

/**
 * TLSRoute (Passthrough) and TCPRoute: every test of theirs that runs without TLS Terminate passed
 * (2026-12-08, `--features l4 -- '-test.run=^TestConformance$/^(TLSRoute|TCPRoute)'`). UDPRoute is left
 * out: the suite's DNS backend is a stand-in that cannot answer its tests (coredns-standin.mjs).
 */
export const L4_FEATURES: readonly string[] = ['TCPRoute', 'TLSRoute'];

/** The profile each layer-4 feature is reported under. */
const L4_PROFILES: Readonly<Record<string, string>> = { TCPRoute: 'GATEWAY-TCP', TLSRoute: 'GATEWAY-TLS' };

export const FEATURE_SETS: Readonly<Record<string, readonly string[]>> = {
  first: FIRST_RUN_FEATURES,
  core: CORE_FEATURES,
  planned: [...CORE_FEATURES, ...PLANNED_EXTENDED_FEATURES],
  l4: [...FIRST_RUN_FEATURES, ...L4_FEATURES],
  /** The CI step (`npm run conformance:ci`): every profile Causeway serves, core and extended. */
  ci: [...CORE_FEATURES, ...L4_FEATURES, ...PLANNED_EXTENDED_FEATURES],
};

/** The profiles a feature set is reported under. */
export function profilesFor(features: readonly string[]): readonly string[] {
  const http = features.includes('GRPCRoute') ? ['GATEWAY-GRPC', 'GATEWAY-HTTP'] : ['GATEWAY-HTTP'];
  const l4 = features.flatMap((f) => (L4_PROFILES[f] !== undefined ? [L4_PROFILES[f]] : []));
  return [...http, ...l4].sort();
}

/** A named set (`first`, `core`, `planned`) or a comma-separated list of feature names. */
export function resolveFeatures(spec: string): readonly string[] {
  const named = FEATURE_SETS[spec];
  if (named) return named;
  const list = spec
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  if (list.length === 0 || list.some((f) => !/^[A-Za-z0-9]+$/.test(f))) {
    throw new Error(
      `--features: "${spec}" is neither ${Object.keys(FEATURE_SETS).join(', ')} nor a comma-separated feature list`,
    );
  }
  return [...new Set(list)].sort();
}
