/**
 * The Gateway and listener status the conformance suite checks (pure, readGatewayApi): a Gateway with no
 * accepted listener is not Accepted; routes attach to a listener whose certificate does not resolve (and
 * count in its attachedRoutes) without being served; a malformed certificate Secret is
 * InvalidCertificateRef; a route Accepted nowhere (no hostname in common) is not counted.
 */
import { buildResourceSet, type Sourced } from '../resources/resource-set.js';
import type { Gateway, HttpRoute, Listener } from '../resources/gateway-api-types.js';
import type { KubeObject } from '../resources/kube-types.js';
import { readGatewayApi } from '../translate/gateway-api-translate.js';
import type { GroupSettings } from '../translate/translate-options.js';
import type { GatewayStatusModel, StatusCondition } from './status-model.js';

const API = 'gateway.networking.k8s.io/v1';
const at = (object: KubeObject): Sourced<KubeObject> => ({ object, origin: { cluster: 'c1' } });

function gateway(name: string, listeners: Listener[]): Sourced<KubeObject> {
  const gw: Gateway = {
    apiVersion: API,
    kind: 'Gateway',
    metadata: { name, namespace: 'infra', generation: 2, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { gatewayClassName: 'causeway', listeners },
  };
  return at(gw);
}

function route(name: string, gw: string, hostnames?: string[], namespace = 'infra'): Sourced<KubeObject> {
  const r: HttpRoute = {
    apiVersion: API,
    kind: 'HTTPRoute',
    metadata: { name, namespace, generation: 1, creationTimestamp: '2026-01-01T00:00:01Z' },
    spec: {
      parentRefs: [{ name: gw, namespace: 'infra' }],
      ...(hostnames ? { hostnames } : {}),
      rules: [{ backendRefs: [{ name: 'svc', port: 80 }] }],
    },
  };
  return at(r);
}

const CLASS = at({
  apiVersion: API,
  kind: 'GatewayClass',
  metadata: { name: 'causeway' },
  spec: { controllerName: 'causeway.dev/gateway' },
} as KubeObject);

const SETTINGS = { httpPort: 80, httpsPort: 443 } as GroupSettings;

function statusOf(objects: Sourced<KubeObject>[], key: string) {
  const view = readGatewayApi(buildResourceSet([CLASS, ...objects]), () => SETTINGS);
  return { view, gw: view.status.gateways.find((g) => g.key === key)! };
}

const cond = (cs: readonly StatusCondition[], type: string) => {
  const c = cs.find((x) => x.type === type)!;
  return `${c.status}/${c.reason}`;
};
const listener = (gw: GatewayStatusModel, name: string) => gw.listeners.find((l) => l.name === name)!;

test('a Gateway none of whose listeners is accepted is not Accepted (ListenersNotValid)', () => {
  const { gw } = statusOf([gateway('bad', [{ name: 'x', port: 1111, protocol: 'INVALID' }])], 'infra/bad');
  expect(cond(gw.conditions, 'Accepted')).toBe('False/ListenersNotValid');
  expect(cond(listener(gw, 'x').conditions, 'Accepted')).toBe('False/UnsupportedProtocol');
  expect(listener(gw, 'x').supportedKinds).toEqual([]);
});

test('a Gateway with one accepted listener is Accepted (ListenersNotValid) and Programmed', () => {
  const { gw } = statusOf(
    [
      gateway('mixed', [
        { name: 'http', port: 80, protocol: 'HTTP' },
        { name: 'x', port: 1111, protocol: 'INVALID' },
      ]),
    ],
    'infra/mixed',
  );
  expect(cond(gw.conditions, 'Accepted')).toBe('True/ListenersNotValid');
  expect(cond(gw.conditions, 'Programmed')).toBe('True/Programmed');
});

test('routes attach to a listener whose certificate is missing: counted, not served', () => {
  const https: Listener = {
    name: 'tls',
    port: 443,
    protocol: 'HTTPS',
    tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'does-not-exist' }] },
  };
  const { view, gw } = statusOf(
    [gateway('unresolved', [https]), route('r', 'unresolved')],
    'infra/unresolved',
  );
  const l = listener(gw, 'tls');
  expect(cond(l.conditions, 'ResolvedRefs')).toBe('False/InvalidCertificateRef');
  expect(cond(l.conditions, 'Programmed')).toBe('False/Invalid');
  expect(l.attachedRoutes).toBe(1);
  const r = view.routes.find((x) => x.name === 'r')!;
  expect(cond(r.parents[0]!.conditions, 'Accepted')).toBe('True/Accepted');
  expect(r.attachments).toEqual([]);
});

test('a malformed certificate Secret (not PEM) is InvalidCertificateRef, not resolved', () => {
  const hello = Buffer.from('Hello world\n').toString('base64');
  const secret = at({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: 'malformed', namespace: 'infra' },
    data: { 'tls.crt': hello, 'tls.key': hello },
  } as KubeObject);
  const https: Listener = {
    name: 'https',
    port: 443,
    protocol: 'HTTPS',
    tls: { certificateRefs: [{ group: '', kind: 'Secret', name: 'malformed' }] },
  };
  const { gw } = statusOf([secret, gateway('malformed', [https])], 'infra/malformed');
  expect(cond(listener(gw, 'https').conditions, 'ResolvedRefs')).toBe('False/InvalidCertificateRef');
  expect(listener(gw, 'https').supportedKinds).toEqual([
    { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
    { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' },
  ]);
});

test('attachedRoutes counts only the routes Accepted on the listener (not NoMatchingListenerHostname)', () => {
  const http: Listener = { name: 'http', port: 80, protocol: 'HTTP', hostname: 'foo.example.com' };
  const { view, gw } = statusOf(
    [
      gateway('two', [http]),
      route('a', 'two'),
      route('b', 'two'),
      route('not-accepted', 'two', ['not-accepted.test.com']),
    ],
    'infra/two',
  );
  expect(listener(gw, 'http').attachedRoutes).toBe(2);
  const na = view.routes.find((x) => x.name === 'not-accepted')!;
  expect(cond(na.parents[0]!.conditions, 'Accepted')).toBe('False/NoMatchingListenerHostname');
});

test('allowedRoutes from Selector on the namespace-name label admits routes of that namespace only', () => {
  const http: Listener = {
    name: 'http',
    port: 80,
    protocol: 'HTTP',
    allowedRoutes: {
      namespaces: { from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': 'infra' } } },
    },
  };
  const { view, gw } = statusOf(
    [gateway('sel', [http]), route('in', 'sel'), route('out', 'sel', undefined, 'apps')],
    'infra/sel',
  );
  expect(listener(gw, 'http').attachedRoutes).toBe(1);
  const out = view.routes.find((x) => x.name === 'out')!;
  expect(cond(out.parents[0]!.conditions, 'Accepted')).toBe('False/NotAllowedByListeners');
  expect(view.routes.find((x) => x.name === 'in')!.attachments).toHaveLength(1);
});

test('allowedRoutes from Selector reads the labels of watched Namespaces', () => {
  const ns = (name: string, labels: Record<string, string>) =>
    at({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } } as KubeObject);
  const http: Listener = {
    name: 'http',
    port: 80,
    protocol: 'HTTP',
    allowedRoutes: {
      namespaces: { from: 'Selector', selector: { matchLabels: { 'gateway-conformance': 'backend' } } },
    },
  };
  const { view, gw } = statusOf(
    [
      ns('web', { 'gateway-conformance': 'backend' }),
      ns('apps', { other: 'x' }),
      gateway('backends', [http]),
      route('web-route', 'backends', undefined, 'web'),
      route('apps-route', 'backends', undefined, 'apps'),
    ],
    'infra/backends',
  );
  expect(listener(gw, 'http').attachedRoutes).toBe(1);
  const apps = view.routes.find((x) => x.name === 'apps-route')!;
  expect(cond(apps.parents[0]!.conditions, 'Accepted')).toBe('False/NotAllowedByListeners');
  expect(view.routes.find((x) => x.name === 'web-route')!.attachments).toHaveLength(1);
});
