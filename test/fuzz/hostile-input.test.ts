/**
 * Fuzzing with hostile input (issue 11): generated hostile Ingresses, Services, EndpointSlices, TLS
 * Secrets and annotation values never break the pipeline, never change the healthy objects' output, and
 * what the translator emits is accepted by the real Envoy (a sample, `envoy --mode validate`). A fixed
 * seed keeps CI reproducible; `npm run fuzz` runs longer with any seed.
 */
import { validateEnvoyConfig } from '../support/envoy-validate.js';
import { describeReport, runFuzz } from './fuzz-run.js';
import { runFuzzCase } from './fuzz-scenario.js';

const SEED = 20261207;

test('hostile objects never break the pipeline, the healthy objects or Envoy', async () => {
  const report = await runFuzz({ seed: SEED, runs: 250, validateEvery: 8 });
  console.log(describeReport(report));
  expect(report.cases).toBe(250);
  expect(report.envoyValidations).toBeGreaterThanOrEqual(10);
  expect(report.pipelineFailure).toBeUndefined();
  expect(report.envoyFailures).toEqual([]);
}, 300_000);

test('the oracle can fail: an endpoint that is not an IP reaches Envoy only if the pipeline lets it', async () => {
  const docs = [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'hostile', creationTimestamp: '2030-01-01T00:00:00Z' },
      spec: {
        rules: [
          {
            host: 'web.example',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'web', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'hostile' },
      spec: { ports: [{ name: 'http', port: 80 }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-1', namespace: 'hostile', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['not-an-ip'], conditions: { ready: true } },
        { addresses: ['10.244.0.20'], conditions: { ready: true } },
      ],
      ports: [{ name: 'http', port: 8080 }],
    },
  ];
  const outcome = runFuzzCase(docs);
  expect(outcome.acceptedFiles).toBe(3);
  const text = JSON.stringify(outcome.bootstraps);
  expect(text).toContain('10.244.0.20');
  const results = await Promise.all(outcome.bootstraps.map((b) => validateEnvoyConfig(b.bootstrap)));
  // Envoy refuses a config holding 'not-an-ip'; the pipeline must have left that endpoint out.
  expect(text.includes('not-an-ip')).toBe(results.some((r) => !r.ok));
  expect(results.map((r) => r.ok)).toEqual(outcome.bootstraps.map(() => true));
}, 60_000);
