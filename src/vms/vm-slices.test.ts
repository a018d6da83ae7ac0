import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { CausewayError } from '../errors.js';
import {
  checkServiceForVms,
  planDeregister,
  planRegister,
  resolvePortName,
  vmSliceName,
  type RegisterRequest,
} from './vm-slices.js';

function service(
  ports: NonNullable<V1Service['spec']>['ports'],
  extra: Partial<NonNullable<V1Service['spec']>> = {},
): V1Service {
  return { metadata: { namespace: 'shop', name: 'api', uid: 'uid-1' }, spec: { ports, ...extra } };
}

describe('resolvePortName', () => {
  const svc = service([
    { name: 'http', port: 80, targetPort: 8080 },
    { name: 'grpc', port: 9000, targetPort: 'grpc' },
    { name: 'admin', port: 8080 },
  ]);

  test('--port-name wins when the Service has it', () => {
    expect(resolvePortName(svc, 1234, 'grpc')).toBe('grpc');
  });

  test('--port-name must name a port of the Service', () => {
    expect(() => resolvePortName(svc, 8080, 'web')).toThrow(
      /Service shop\/api has no port named "web" \(its ports: http 80->8080, grpc 9000->grpc, admin 8080\)/,
    );
  });

  test('else the numeric targetPort matches first, then the port', () => {
    expect(resolvePortName(svc, 8080)).toBe('http'); // targetPort 8080 beats admin's port 8080
    expect(resolvePortName(svc, 9000)).toBe('grpc');
  });

  test('else the only port of a one-port Service, named or not', () => {
    expect(resolvePortName(service([{ name: 'http', port: 80 }]), 9999)).toBe('http');
    expect(resolvePortName(service([{ port: 80, targetPort: 8080 }]), 9999)).toBe('');
  });

  test('no match or several are errors asking for --port-name', () => {
    expect(() => resolvePortName(svc, 9999)).toThrow(
      /no port of Service shop\/api matches port 9999.*pass --port-name/,
    );
    const two = service([
      { name: 'a', port: 80, targetPort: 8080 },
      { name: 'b', port: 81, targetPort: 8080 },
    ]);
    expect(() => resolvePortName(two, 8080)).toThrow(/several ports of Service shop\/api match port 8080/);
    expect(() => resolvePortName(service([]), 80)).toThrow(/it has no ports/);
  });
});

describe('checkServiceForVms', () => {
  test('a selector-less Service is fine', () => {
    expect(() => checkServiceForVms(service([{ port: 80 }]), false)).not.toThrow();
  });

  test('a Service with a selector is refused unless forced', () => {
    const svc = service([{ port: 80 }], { selector: { app: 'api' } });
    expect(() => checkServiceForVms(svc, false)).toThrow(CausewayError);
    expect(() => checkServiceForVms(svc, false)).toThrow(/has a selector \(app=api\).*--force/);
    expect(() => checkServiceForVms(svc, true)).not.toThrow();
  });

  test('an ExternalName Service is always refused', () => {
    expect(() => checkServiceForVms(service([], { type: 'ExternalName' }), true)).toThrow(/ExternalName/);
  });
});

const REQ: RegisterRequest = {
  namespace: 'shop',
  service: 'api',
  serviceUid: 'uid-1',
  family: 'IPv4',
  port: { name: 'http', number: 8080 },
  endpoints: [{ address: '192.0.2.11', zone: 'dc1' }, { address: '192.0.2.10' }],
};

function created(): V1EndpointSlice {
  const p = planRegister(undefined, REQ);
  if (p.op !== 'create') throw new Error(p.op);
  return { ...p.slice, metadata: { ...p.slice.metadata, resourceVersion: '5', uid: 's-1' } };
}

describe('planRegister', () => {
  test('creates the slice: labels, owner, family, port, ready endpoints sorted by address', () => {
    const p = planRegister(undefined, REQ);
    expect(p.op).toBe('create');
    if (p.op !== 'create') return;
    expect(p.slice).toEqual({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'api-causeway-vms',
        namespace: 'shop',
        labels: {
          'kubernetes.io/service-name': 'api',
          'endpointslice.kubernetes.io/managed-by': 'vms.causeway.dev',
        },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'api', uid: 'uid-1' }],
      },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['192.0.2.10'], conditions: { ready: true, serving: true, terminating: false } },
        {
          addresses: ['192.0.2.11'],
          conditions: { ready: true, serving: true, terminating: false },
          zone: 'dc1',
        },
      ],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
    expect(p.summary).toMatchObject({ added: ['192.0.2.11', '192.0.2.10'], remaining: 2 });
    expect(vmSliceName('api')).toBe('api-causeway-vms');
  });

  test('the same registration again changes nothing', () => {
    const p = planRegister(created(), REQ);
    expect(p.op).toBe('none');
    expect(p.summary).toMatchObject({
      added: [],
      updated: [],
      unchanged: ['192.0.2.11', '192.0.2.10'],
      remaining: 2,
    });
  });

  test('a new address is added, a changed zone updated, the others kept; metadata is carried', () => {
    const p = planRegister(created(), {
      ...REQ,
      endpoints: [{ address: '192.0.2.9' }, { address: '192.0.2.10', zone: 'dc2', nodeName: 'vm-10' }],
    });
    expect(p.op).toBe('replace');
    if (p.op !== 'replace') return;
    expect(p.slice.metadata?.resourceVersion).toBe('5');
    expect(p.slice.endpoints.map((e) => [e.addresses[0], e.zone, e.nodeName])).toEqual([
      ['192.0.2.9', undefined, undefined],
      ['192.0.2.10', 'dc2', 'vm-10'],
      ['192.0.2.11', 'dc1', undefined],
    ]);
    expect(p.summary).toMatchObject({ added: ['192.0.2.9'], updated: ['192.0.2.10'], remaining: 3 });
  });

  test('an endpoint someone marked not ready is made ready again', () => {
    const slice = created();
    slice.endpoints[0] = { ...slice.endpoints[0]!, conditions: { ready: false } };
    const p = planRegister(slice, { ...REQ, endpoints: [{ address: '192.0.2.10' }] });
    expect(p.op).toBe('replace');
    expect(p.summary.updated).toEqual(['192.0.2.10']);
  });

  test('a new Service uid replaces the owner reference', () => {
    const p = planRegister(created(), { ...REQ, serviceUid: 'uid-2' });
    expect(p.op).toBe('replace');
    if (p.op === 'replace') expect(p.slice.metadata?.ownerReferences?.map((r) => r.uid)).toEqual(['uid-2']);
  });

  test('another port or family is refused while the slice has endpoints', () => {
    expect(() => planRegister(created(), { ...REQ, port: { name: 'http', number: 9090 } })).toThrow(
      /serves port "http" 8080, not "http" 9090/,
    );
    expect(() => planRegister(created(), { ...REQ, port: { name: 'grpc', number: 8080 } })).toThrow(
      /serves port/,
    );
    expect(() =>
      planRegister(created(), { ...REQ, family: 'IPv6', endpoints: [{ address: '2001:db8::1' }] }),
    ).toThrow(/holds IPv4 addresses/);
  });

  test('an empty slice takes the new port', () => {
    const p = planRegister({ ...created(), endpoints: [] }, { ...REQ, port: { name: '', number: 9090 } });
    expect(p.op).toBe('replace');
    if (p.op === 'replace') expect(p.slice.ports).toEqual([{ port: 9090, protocol: 'TCP' }]);
  });

  test('a slice of that name managed by someone else is refused', () => {
    const slice = created();
    const foreign = {
      ...slice,
      metadata: { ...slice.metadata, labels: { 'kubernetes.io/service-name': 'api' } },
    };
    expect(() => planRegister(foreign, REQ)).toThrow(/not a VM slice of Service api .*refusing to change it/);
    expect(() => planDeregister(foreign, 'shop', 'api', ['192.0.2.10'])).toThrow(/refusing/);
  });
});

describe('planDeregister', () => {
  test('removes the addresses and reports the ones that were not there', () => {
    const p = planDeregister(created(), 'shop', 'api', ['192.0.2.10', '192.0.2.99']);
    expect(p.op).toBe('replace');
    if (p.op !== 'replace') return;
    expect(p.slice.endpoints.map((e) => e.addresses[0])).toEqual(['192.0.2.11']);
    expect(p.slice.metadata?.resourceVersion).toBe('5');
    expect(p.summary).toMatchObject({ removed: ['192.0.2.10'], absent: ['192.0.2.99'], remaining: 1 });
  });

  test('deletes the slice, with preconditions, when no endpoint is left', () => {
    const p = planDeregister(created(), 'shop', 'api', ['192.0.2.10', '192.0.2.11']);
    expect(p).toMatchObject({ op: 'delete', resourceVersion: '5', uid: 's-1' });
  });

  test('nothing to do: no slice, or none of the addresses', () => {
    expect(planDeregister(undefined, 'shop', 'api', ['192.0.2.10'])).toEqual({
      op: 'none',
      summary: { added: [], updated: [], unchanged: [], removed: [], absent: ['192.0.2.10'], remaining: 0 },
    });
    expect(planDeregister(created(), 'shop', 'api', ['192.0.2.99'])).toMatchObject({
      op: 'none',
      summary: { absent: ['192.0.2.99'], remaining: 2 },
    });
  });
});
