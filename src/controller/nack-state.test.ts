/** The rejection reducer and its outputs (diagnostics, Ingress port errors, metric counts). */
import type { IR } from '../ir/ir-types.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { translateXds } from '../../xds/translator/xds.translator.js';
import {
  ingressPortErrors,
  nackDiagnostics,
  rejectedObjectCounts,
  INGRESS_PORT_ERROR,
} from './nack-outputs.js';
import {
  EMPTY_NACK_STATE,
  prune,
  reduceNack,
  rejectedObjects,
  rejections,
  type NackEvent,
  type NackState,
} from './nack-state.js';

const LDS = RESOURCE_TYPES.listener;
const CDS = RESOURCE_TYPES.cluster;
const web = { kind: 'Ingress', namespace: 'shop', name: 'web' };
const api = { kind: 'Ingress', namespace: 'shop', name: 'api' };
const webSvc = { kind: 'Service', namespace: 'shop', name: 'web' };

function nack(node: string, typeUrl: string, version: string, objects = [web], name = 'http'): NackEvent {
  return {
    kind: 'nack',
    node,
    group: 'edge',
    typeUrl,
    version,
    message: `bad ${name}`,
    resources: [{ typeUrl, name, objects }],
    at: 1000,
  };
}

const run = (events: readonly NackEvent[], from: NackState = EMPTY_NACK_STATE): NackState =>
  events.reduce(reduceNack, from);

describe('reduceNack', () => {
  it('records a rejection per node and type, replaced by a later NACK of the same type', () => {
    const s = run([nack('gw-1', LDS, 'v1'), nack('gw-2', LDS, 'v1'), nack('gw-1', LDS, 'v2', [api])]);
    expect(rejections(s).map((r) => [r.node, r.version, r.objects])).toEqual([
      ['gw-1', 'v2', [api]],
      ['gw-2', 'v1', [web]],
    ]);
  });

  it('clears a node when it ACKs another version of the type; the object stays rejected while another node rejects it', () => {
    let s = run([nack('gw-1', LDS, 'v1'), nack('gw-2', LDS, 'v1'), nack('gw-1', CDS, 'c1', [webSvc, web])]);
    s = reduceNack(s, { kind: 'ack', node: 'gw-1', group: 'edge', typeUrl: LDS, version: 'v2' });
    expect(rejections(s).map((r) => `${r.node} ${r.typeUrl === LDS ? 'LDS' : 'CDS'}`)).toEqual([
      'gw-1 CDS',
      'gw-2 LDS',
    ]);
    s = reduceNack(s, { kind: 'ack', node: 'gw-1', group: 'edge', typeUrl: CDS, version: 'c2' });
    s = reduceNack(s, { kind: 'ack', node: 'gw-2', group: 'edge', typeUrl: LDS, version: 'v2' });
    expect(rejectedObjects(s)).toEqual([]);
  });

  it('a Delta ACK clears only the rejected resources its response updated or removed', () => {
    const tcp = { kind: 'Service', namespace: 'shop', name: 'kafka' };
    const both: NackEvent = {
      kind: 'nack',
      node: 'gw-1',
      group: 'edge',
      typeUrl: LDS,
      version: 'v1',
      message: 'cannot bind',
      resources: [
        { typeUrl: LDS, name: 'https', objects: [web] },
        { typeUrl: LDS, name: 'tcp/9092', objects: [tcp] },
      ],
      at: 1000,
    };
    let s = run([both]);
    // The fix removed the https listener only: tcp/9092 is still rejected, and only it.
    s = reduceNack(s, {
      kind: 'ack',
      node: 'gw-1',
      group: 'edge',
      typeUrl: LDS,
      version: 'v2',
      covers: ['https'],
    });
    expect(rejections(s).map((r) => r.resources.map((x) => x.name))).toEqual([['tcp/9092']]);
    expect(rejectedObjects(s).map((o) => o.object)).toEqual([tcp]);
    s = reduceNack(s, {
      kind: 'ack',
      node: 'gw-1',
      group: 'edge',
      typeUrl: LDS,
      version: 'v3',
      covers: ['tcp/9092'],
    });
    expect(rejections(s)).toEqual([]);
  });

  it('ignores an ACK of the rejected version and an ACK of another group', () => {
    const s = run([
      nack('gw-1', LDS, 'v1'),
      { kind: 'ack', node: 'gw-1', group: 'edge', typeUrl: LDS, version: 'v1' },
      { kind: 'ack', node: 'gw-1', group: 'other', typeUrl: LDS, version: 'v2' },
    ]);
    expect(rejections(s)).toHaveLength(1);
  });

  it('keeps the rejections of a node that reconnects; forgets a node gone for long', () => {
    const open = { kind: 'open', node: 'gw-1', group: 'edge', at: 0 } as const;
    const close = { kind: 'close', node: 'gw-1', group: 'edge', at: 2000 } as const;
    let s = run([open, nack('gw-1', LDS, 'v1'), open, close]);
    expect(prune(s, 10_000_000, 60_000)).toBe(s); // one stream still open
    s = run([close, { ...open, at: 3000 }, { ...close, at: 4000 }], s);
    expect(rejections(prune(s, 60_000, 60_000))).toHaveLength(1);
    expect(rejections(prune(s, 64_000, 60_000))).toEqual([]);
  });
});

describe('outputs', () => {
  const ir: IR = {
    groups: [
      {
        name: 'edge',
        http: { name: 'http', port: 80, virtualHosts: [] },
        https: { name: 'https', port: 443, filterChains: [] },
        tcp: [],
        backends: [],
        secrets: [],
      },
    ],
  };
  const served = [
    { cluster: 'east', namespace: 'shop', name: 'web', group: 'edge' },
    { cluster: 'west', namespace: 'shop', name: 'web', group: 'edge' },
  ];
  const s = run([
    nack('gw-1', LDS, 'v1', [web, webSvc]),
    nack('gw-2', CDS, 'c1', [webSvc], 'service/shop/web/80'),
  ]);

  it('one CW_E_GATEWAY_NACK diagnostic per object and rejection; Ingresses resolved to each cluster', () => {
    expect(nackDiagnostics(rejectedObjects(s), served).map((d) => [d.object, d.message])).toEqual([
      [
        { kind: 'Ingress', namespace: 'shop', name: 'web', cluster: 'east' },
        'gateway gw-1 (group edge) rejected Listener http: bad http',
      ],
      [
        { kind: 'Ingress', namespace: 'shop', name: 'web', cluster: 'west' },
        'gateway gw-1 (group edge) rejected Listener http: bad http',
      ],
      [webSvc, 'gateway gw-1 (group edge) rejected Listener http: bad http'],
      [webSvc, 'gateway gw-2 (group edge) rejected Cluster service/shop/web/80: bad service/shop/web/80'],
    ]);
    expect(nackDiagnostics(rejectedObjects(s), served).every((d) => d.code === 'CW_E_GATEWAY_NACK')).toBe(
      true,
    );
  });

  it('Ingress status port errors on the group ports, per cluster', () => {
    const errors = ingressPortErrors(rejectedObjects(s), served, translateXds(ir).sources);
    const ports = [
      { port: 80, protocol: 'TCP', error: INGRESS_PORT_ERROR },
      { port: 443, protocol: 'TCP', error: INGRESS_PORT_ERROR },
    ];
    expect(errors).toEqual(
      new Map([
        ['east/shop/web', ports],
        ['west/shop/web', ports],
      ]),
    );
    expect(INGRESS_PORT_ERROR).toMatch(/^[a-z0-9.-]+\/[A-Z][A-Za-z]+$/);
  });

  it('counts rejected objects by group and kind', () => {
    expect([...rejectedObjectCounts(rejectedObjects(s)).values()]).toEqual([
      { group: 'edge', kind: 'Ingress', count: 1 },
      { group: 'edge', kind: 'Service', count: 1 },
    ]);
  });
});
