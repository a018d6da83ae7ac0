import { describe, expect, test } from '@jest/globals';
import { FIRST_RUN_FEATURES, profilesFor, resolveFeatures } from './features.js';
import { suiteArgs } from './run-conformance.js';

describe('conformance features and flags', () => {
  test('named sets, and a list (deduplicated, sorted); anything else is an error', () => {
    expect(resolveFeatures('first')).toEqual(['Gateway', 'HTTPRoute', 'ReferenceGrant']);
    expect(resolveFeatures('core')).toContain('GRPCRoute');
    expect(resolveFeatures('HTTPRoute, Gateway,HTTPRoute')).toEqual(['Gateway', 'HTTPRoute']);
    expect(() => resolveFeatures('HTTP-Route')).toThrow('--features');
    expect(() => resolveFeatures(',')).toThrow('--features');
  });

  test('GATEWAY-GRPC is reported only when GRPCRoute is claimed', () => {
    expect(profilesFor(FIRST_RUN_FEATURES)).toEqual(['GATEWAY-HTTP']);
    expect(profilesFor(resolveFeatures('core'))).toEqual(['GATEWAY-GRPC', 'GATEWAY-HTTP']);
  });

  test('GATEWAY-TLS and GATEWAY-TCP are reported when TLSRoute and TCPRoute are claimed', () => {
    expect(profilesFor(resolveFeatures('l4'))).toEqual(['GATEWAY-HTTP', 'GATEWAY-TCP', 'GATEWAY-TLS']);
  });

  test('the suite gets the class, features, profiles, report and implementation, then extra flags', () => {
    const args = suiteArgs({
      features: FIRST_RUN_FEATURES,
      reportFile: '/tmp/r.yaml',
      runTest: 'HTTPRouteWeight',
      debug: false,
      extraSuiteArgs: ['-timeout-config-overrides=NamespacesMustBeReady:60'],
    });
    expect(args).toEqual(
      expect.arrayContaining([
        '-gateway-class=causeway',
        '-supported-features=Gateway,HTTPRoute,ReferenceGrant',
        '-conformance-profiles=GATEWAY-HTTP',
        '-report-output=/tmp/r.yaml',
        '-organization=causeway',
        '-run-test=HTTPRouteWeight',
      ]),
    );
    expect(args.some((a) => a.startsWith('-version=v'))).toBe(true);
    expect(args[args.length - 1]).toBe('-timeout-config-overrides=NamespacesMustBeReady:60');
  });
});
