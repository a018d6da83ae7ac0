import { parseControllerConfig } from '../config/controller-config.js';
import { groupSettings } from '../translate/translate-options.js';
import { translateOptionsFrom } from './translate-options-from-config.js';

test('the config file load-balancing default reaches every group, and a group setting overrides it', () => {
  const config = parseControllerConfig(
    'c.yaml',
    'loadBalancing: least-request\ngroups:\n  edge: { loadBalancing: maglev }\n  internal: {}\n',
  );
  const options = translateOptionsFrom(config, {});
  expect(groupSettings(options, 'default').loadBalancing).toBe('least-request');
  expect(groupSettings(options, 'internal').loadBalancing).toBe('least-request');
  expect(groupSettings(options, 'edge').loadBalancing).toBe('maglev');
});

test('without a config file no group has a load-balancing default (round robin)', () => {
  expect(groupSettings(translateOptionsFrom(undefined, {}), 'default').loadBalancing).toBeUndefined();
});
