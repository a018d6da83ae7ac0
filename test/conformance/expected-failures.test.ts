import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import {
  conformanceVerdict,
  failedTestsOf,
  parseExpectedFailures,
  testsRunInLog,
} from './expected-failures.js';

const REPORT = `
kind: ConformanceReport
profiles:
- name: GATEWAY-HTTP
  core:
    failedTests: [HTTPRouteWeight, GatewayModifyListeners]
  extended:
    failedTests: [HTTPRouteRequestMirror]
- name: GATEWAY-GRPC
  core:
    result: success
`;

const LOG = [
  '--- FAIL: TestConformance (10.00s)',
  '    --- SKIP: TestConformance/MeshBasic (0.00s)',
  '    --- PASS: TestConformance/HTTPRouteMatching (1.20s)',
  '        --- PASS: TestConformance/HTTPRouteMatching/0_request (0.10s)',
  '    --- FAIL: TestConformance/HTTPRouteWeight (3.00s)',
  '    --- PASS: TestConformance/GatewayModifyListeners (2.00s)',
].join('\n');

describe('the conformance CI verdict', () => {
  test('failed tests come from every profile and level, sorted', () => {
    expect(failedTestsOf(REPORT)).toEqual([
      'GatewayModifyListeners',
      'HTTPRouteRequestMirror',
      'HTTPRouteWeight',
    ]);
    expect(() => failedTestsOf('kind: Pod\n')).toThrow('not a conformance report');
  });

  test('the tests run are the passed and failed ones one level under TestConformance', () => {
    expect(testsRunInLog(LOG)).toEqual(['GatewayModifyListeners', 'HTTPRouteMatching', 'HTTPRouteWeight']);
  });

  test('a failure not listed is unexpected; a listed test that ran and passed is now passing', () => {
    const expected = [
      { test: 'HTTPRouteWeight', reason: 'weights are off' },
      { test: 'HTTPRouteMatching', reason: 'was broken' },
      { test: 'HTTPRouteCrossNamespace', reason: 'not run this time' },
    ];
    const verdict = conformanceVerdict(
      ['GatewayModifyListeners', 'HTTPRouteWeight'],
      ['GatewayModifyListeners', 'HTTPRouteMatching', 'HTTPRouteWeight'],
      expected,
    );
    expect(verdict).toEqual({ unexpected: ['GatewayModifyListeners'], nowPassing: ['HTTPRouteMatching'] });
  });

  test('the list file needs a test name and a reason for each entry', () => {
    expect(parseExpectedFailures('- test: A\n  reason: why\n')).toEqual([{ test: 'A', reason: 'why' }]);
    expect(parseExpectedFailures('')).toEqual([]);
    expect(() => parseExpectedFailures('- test: A\n')).toThrow('[0] (A): "reason" must say why');
    expect(() => parseExpectedFailures('- reason: x\n')).toThrow('[0]: "test" must be a test name');
    expect(() => parseExpectedFailures('test: A\n')).toThrow('must be a YAML list');
  });

  test('the checked-in list parses and names each test once', () => {
    const file = path.join(projectRoot(), 'test', 'conformance', 'expected-failures.yaml');
    const list = parseExpectedFailures(fs.readFileSync(file, 'utf8'));
    expect(new Set(list.map((e) => e.test)).size).toBe(list.length);
  });
});
