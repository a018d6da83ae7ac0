import { describe, expect, test } from '@jest/globals';
import { summarizeConformanceReport } from './report-summary.js';

const REPORT = `
apiVersion: gateway.networking.k8s.io/v1
kind: ConformanceReport
gatewayAPIVersion: v1.6.3
gatewayAPIChannel: standard
mode: default
profiles:
- name: GATEWAY-HTTP
  core:
    result: failure
    statistics: {Passed: 30, Failed: 2, Skipped: 1}
    failedTests: [HTTPRouteWeight, HTTPRouteMatching]
    skippedTests: [HTTPRouteHTTPSListener]
  extended:
    result: success
    statistics: {Passed: 3, Failed: 0, Skipped: 0}
    supportedFeatures: [HTTPRouteQueryParamMatching]
- name: GATEWAY-GRPC
  core:
    result: success
    statistics: {Passed: 14, Failed: 0, Skipped: 0}
`;

describe('summarizeConformanceReport', () => {
  test('a row per profile and level, sorted, then failed and skipped tests by name', () => {
    expect(summarizeConformanceReport(REPORT)).toBe(
      [
        'Gateway API v1.6.3 (standard channel)',
        '',
        '| profile | level | result | passed | failed | skipped |',
        '| --- | --- | --- | --- | --- | --- |',
        '| GATEWAY-GRPC | core | success | 14 | 0 | 0 |',
        '| GATEWAY-HTTP | core | failure | 30 | 2 | 1 |',
        '| GATEWAY-HTTP | extended | success | 3 | 0 | 0 |',
        '',
        '- failed (GATEWAY-HTTP core): HTTPRouteMatching, HTTPRouteWeight',
        '- skipped (GATEWAY-HTTP core): HTTPRouteHTTPSListener',
      ].join('\n'),
    );
  });

  test('text that is not a report is an error', () => {
    expect(() => summarizeConformanceReport('kind: Pod\n')).toThrow('not a conformance report');
  });

  test('a report without profiles (the suite stopped in its setup) says so', () => {
    const stopped =
      'kind: ConformanceReport\ngatewayAPIVersion: v1.6.3\ngatewayAPIChannel: standard\nprofiles: null\n';
    expect(summarizeConformanceReport(stopped)).toBe(
      'Gateway API v1.6.3 (standard channel)\n\nno profile results: the suite stopped before running any test (see its log)',
    );
  });
});
