import { redactBasicAuth } from './redact-basic-auth.js';

const HASH = '{SHA}g2YDYHBhl9R/ddqtGep+ipAO4aU=';

test('Envoy resources: every basic auth users DataSource is redacted, other fields kept', () => {
  const route = {
    name: 'r',
    typed_per_filter_config: {
      'envoy.filters.http.basic_auth': { users: { inline_string: `alice:${HASH}\n` } },
    },
    route: { cluster: 'c' },
  };
  expect(redactBasicAuth([route])).toEqual([
    {
      name: 'r',
      typed_per_filter_config: {
        'envoy.filters.http.basic_auth': { users: { inline_string: '[redacted]' } },
      },
      route: { cluster: 'c' },
    },
  ]);
});

test('the IR: each user of a route keeps its name, its hash is redacted', () => {
  const ir = {
    routes: [
      { name: 'r', basicAuth: { realm: 'x', secret: 'default/s', users: [{ user: 'alice', hash: HASH }] } },
    ],
  };
  const out = JSON.stringify(redactBasicAuth(ir));
  expect(out).not.toContain(HASH);
  expect(out).toContain('"user":"alice","hash":"[redacted]"');
  expect(out).toContain('"secret":"default/s"');
});
