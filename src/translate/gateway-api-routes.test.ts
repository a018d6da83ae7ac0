import { gatewayDurationSeconds } from './gateway-api-routes.js';

test('Gateway API durations: units h, m, s, ms combined', () => {
  expect(gatewayDurationSeconds('10s')).toBe(10);
  expect(gatewayDurationSeconds('1h2m3s')).toBe(3723);
  expect(gatewayDurationSeconds('500ms')).toBe(0.5);
  expect(gatewayDurationSeconds('1m30s250ms')).toBe(90.25);
  expect(gatewayDurationSeconds('0s')).toBe(0);
});

test('anything else does not parse', () => {
  for (const bad of ['', '10', '1.5s', '5 minutes', '-1s', '1d', '1h1h1h1h1h'])
    expect(gatewayDurationSeconds(bad)).toBeUndefined();
});
