/**
 * The header policy through the whole translation: each Ingress's routes carry their own header and CORS
 * policy (two Ingresses on one host differ), an Ingress without these annotations has none, a bad value
 * is one diagnostic naming the annotation, and a header value is never quoted in a diagnostic.
 */
import type { KubeObject } from '../../resources/kube-types.js';
import {
  DEFAULT_CLASS,
  shopIngress,
  shopService,
  translateForPolicies,
  type PolicyRun,
} from '../testdata/policy-fixtures.js';

const ing = shopIngress;

/** The routes by Ingress name, and the diagnostics on Ingresses (the Service has no endpoints here). */
function run(...ingresses: KubeObject[]): Pick<PolicyRun, 'routes' | 'messages'> {
  return translateForPolicies([DEFAULT_CLASS, shopService(), ...ingresses]);
}

test('two Ingresses on one host keep their own header and CORS policies; a third has none', () => {
  const { routes, messages } = run(
    ing('a', {
      'causeway.dev/request-headers-set': 'X-Team: a',
      'causeway.dev/enable-cors': 'true',
      'causeway.dev/cors-allow-origin': 'https://a.example.com',
    }),
    ing('b', { 'causeway.dev/response-headers-remove': 'server' }),
    ing('c', {}),
  );
  expect(messages).toEqual([]);
  expect(routes.get('a')!.headerPolicy).toEqual({
    request: { set: [{ name: 'x-team', value: 'a' }], add: [], remove: [] },
    cors: {
      allowOrigins: [{ kind: 'exact', origin: 'https://a.example.com' }],
      allowMethods: ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'],
      allowHeaders: expect.arrayContaining(['Content-Type', 'Authorization']) as unknown,
      exposeHeaders: [],
      allowCredentials: true,
      maxAgeSeconds: 1728000,
    },
  });
  expect(routes.get('b')!.headerPolicy).toEqual({ response: { set: [], add: [], remove: ['server'] } });
  expect(routes.get('c')!).not.toHaveProperty('headers');
});

test('a bad header list is one diagnostic, changes nothing, and the other annotations still apply', () => {
  const { routes, messages } = run(
    ing('a', {
      'causeway.dev/request-headers-set': 'X-Ok: 1\nAuthorization: Bearer t0ken\u0001',
      'causeway.dev/request-headers-add': 'X-Still: yes',
    }),
  );
  expect(messages).toEqual([
    'CW_E_ANNOTATION_INVALID a: annotation causeway.dev/request-headers-set: the value holds the control character U+0001 at index 35; it changes no header',
  ]);
  expect(messages.join()).not.toContain('t0ken');
  expect(routes.get('a')!.headerPolicy).toEqual({
    request: { set: [], add: [{ name: 'x-still', value: 'yes' }], remove: [] },
  });
});

test('CORS: a bad cors-* value keeps its default, a bad enable-cors leaves CORS off', () => {
  const { routes, messages } = run(
    ing('a', { 'causeway.dev/enable-cors': 'true', 'causeway.dev/cors-max-age': 'soon' }),
    ing('b', { 'causeway.dev/enable-cors': 'on', 'causeway.dev/cors-allow-origin': 'https://b.example.com' }),
  );
  expect(messages).toEqual([
    'CW_E_ANNOTATION_INVALID a: annotation causeway.dev/cors-max-age: "soon" is not a number of seconds from 0 to 31536000; using the default',
    'CW_E_ANNOTATION_INVALID b: annotation causeway.dev/enable-cors: "on" is not "true" or "false"; CORS stays off',
  ]);
  expect(routes.get('a')!.headerPolicy?.cors?.maxAgeSeconds).toBe(1728000);
  expect(routes.get('b')!).not.toHaveProperty('headers');
});

test('credentials are never allowed with origin *; asking for them explicitly is reported', () => {
  const { routes, messages } = run(
    ing('a', { 'causeway.dev/enable-cors': 'true' }),
    ing('b', { 'causeway.dev/enable-cors': 'true', 'causeway.dev/cors-allow-credentials': 'true' }),
  );
  expect(routes.get('a')!.headerPolicy?.cors?.allowCredentials).toBe(false);
  expect(routes.get('b')!.headerPolicy?.cors?.allowCredentials).toBe(false);
  expect(messages).toHaveLength(1);
  expect(messages[0]).toContain('causeway.dev/cors-allow-credentials');
});
