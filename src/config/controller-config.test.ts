import { CausewayError } from '../errors.js';
import { parseControllerConfig } from './controller-config.js';

test('an empty file is an empty config', () => {
  expect(parseControllerConfig('c.yaml', '')).toEqual({ groups: {} });
});

test('ports and groups are read', () => {
  expect(
    parseControllerConfig('c.yaml', 'httpPort: 80\ngroups:\n  edge: { httpsPort: 443 }\n  internal:\n'),
  ).toEqual({
    httpPort: 80,
    groups: { edge: { httpsPort: 443 }, internal: {} },
  });
});

test.each([
  ['httpPort: 0', /httpPort must be a port number/],
  ['httpPort: "80"', /httpPort must be a port number/],
  ['htpPort: 80', /unknown key htpPort/],
  ['groups:\n  Edge: {}', /group name "Edge" is not a DNS label/],
  ['groups:\n  edge: { port: 1 }', /unknown key groups.edge.port/],
  ['groups: [a]', /groups must be a mapping/],
  ['- a', /must be a YAML mapping/],
  ['a: [', /not valid YAML/],
])('%s is rejected with a clear message', (text, message) => {
  expect(() => parseControllerConfig('c.yaml', text)).toThrow(CausewayError);
  expect(() => parseControllerConfig('c.yaml', text)).toThrow(message);
});
