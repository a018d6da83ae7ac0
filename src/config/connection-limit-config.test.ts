import { parseControllerConfig } from './controller-config.js';
import { MAX_CONNECTION_LIMIT, readConnectionLimitConfig } from './connection-limit-config.js';

const fail = (m: string): never => {
  throw new Error(m);
};

test('maxConnections: a whole number from 1 to the bound', () => {
  expect(readConnectionLimitConfig('connectionLimit', { maxConnections: 100 }, fail)).toEqual({
    maxConnections: 100,
  });
  for (const bad of [0, -1, 1.5, '100', MAX_CONNECTION_LIMIT + 1, null])
    expect(() => readConnectionLimitConfig('connectionLimit', { maxConnections: bad }, fail)).toThrow(
      'connectionLimit.maxConnections must be a whole number from 1 to 10000000',
    );
  expect(() => readConnectionLimitConfig('connectionLimit', {}, fail)).toThrow('maxConnections must be');
  expect(() => readConnectionLimitConfig('connectionLimit', 100, fail)).toThrow('must be a mapping');
  expect(() => readConnectionLimitConfig('groups.a.connectionLimit', { maxConnection: 1 }, fail)).toThrow(
    'unknown key groups.a.connectionLimit.maxConnection',
  );
});

test('the config file takes it at the top level and per group', () => {
  const c = parseControllerConfig(
    'c.yaml',
    'connectionLimit: { maxConnections: 5000 }\ngroups:\n  edge: { connectionLimit: { maxConnections: 20 } }\n  plain: {}\n',
  );
  expect(c.connectionLimit).toEqual({ maxConnections: 5000 });
  expect(c.groups['edge']?.connectionLimit).toEqual({ maxConnections: 20 });
  expect(c.groups['plain']?.connectionLimit).toBeUndefined();
  expect(() =>
    parseControllerConfig('c.yaml', 'groups:\n  edge: { connectionLimit: { maxConnections: 0 } }\n'),
  ).toThrow('groups.edge.connectionLimit.maxConnections');
});
