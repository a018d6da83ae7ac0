/** causeway.dev/enable-opentelemetry: read per Ingress, carried on its routes only when `false`. */
import {
  DEFAULT_CLASS,
  shopIngress,
  shopService,
  translateForPolicies,
} from '../testdata/policy-fixtures.js';

const TRACED = {
  tracing: { collector: { kind: 'address' as const, host: '10.0.0.5', port: 4317 }, samplingPercent: 100 },
};

test('"false" turns tracing off on that Ingress\'s routes only; "true" and no annotation leave them to the group', () => {
  const run = translateForPolicies(
    [
      DEFAULT_CLASS,
      shopService(),
      shopIngress('health', { 'causeway.dev/enable-opentelemetry': 'false' }),
      shopIngress('explicit', { 'causeway.dev/enable-opentelemetry': 'true' }),
      shopIngress('plain', {}),
    ],
    TRACED,
  );
  expect(run.messages).toEqual([]);
  expect(run.routes.get('health')?.tracing).toEqual({ enabled: false });
  expect(run.routes.get('explicit')?.tracing).toBeUndefined();
  expect(run.routes.get('plain')?.tracing).toBeUndefined();
  expect(run.group.http.tracing?.samplingPercent).toBe(100);
});

test.each(['off', 'False', '0', ''])('%j is a diagnostic on the Ingress; its routes stay traced', (value) => {
  const run = translateForPolicies(
    [DEFAULT_CLASS, shopService(), shopIngress('typo', { 'causeway.dev/enable-opentelemetry': value })],
    TRACED,
  );
  expect(run.routes.get('typo')?.tracing).toBeUndefined();
  expect(run.messages).toEqual([
    `CW_E_ANNOTATION_INVALID typo: annotation causeway.dev/enable-opentelemetry: ${JSON.stringify(value)} is not "true" or "false"; its routes are traced as the gateway group's tracing says`,
  ]);
});
