/**
 * Draining a gateway through the ADS server (AdsServer.setDraining): its streams switch to the group's
 * draining view, which changes only the listeners, so only LDS is pushed; the drain survives a reconnect
 * to this replica; other nodes of the group keep the serving view.
 */
import { decodeSotwResources, deltaResourceNames, sotwResourceNames } from '../../test/support/xds-client.js';
import type { PlainResource } from '../cache/config-watcher.js';
import type { Harness } from './testdata/ads-fixtures.js';
import {
  CDS,
  EDS,
  LDS,
  RDS,
  cla,
  cluster,
  eventually,
  listener,
  resources,
  route,
  startHarness,
} from './testdata/ads-fixtures.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** Listener l1 whose draining form has another stat prefix. */
function drainableListener(): PlainResource {
  const serving = listener('l1', 'r1');
  const draining = JSON.parse(
    JSON.stringify(serving.resource).replace('"stat_prefix":"l1"', '"stat_prefix":"l1-draining"'),
  ) as object;
  return { ...serving, draining };
}

function group() {
  return resources({
    clusters: [cluster('c1')],
    endpoints: [cla('c1')],
    listeners: [drainableListener(), listener('l2', 'r1', 10081)],
    routes: [route('r1', 'c1')],
  });
}

function statPrefix(l: Record<string, unknown>): unknown {
  const chains = l['filter_chains'] as Array<{ filters: Array<{ typed_config: Record<string, unknown> }> }>;
  return chains[0]?.filters[0]?.typed_config['stat_prefix'];
}

const pushesOf = (node: string): string[] =>
  h.events.events.flatMap((e) => (e.kind === 'push' && e.node === node ? [e.typeUrl] : []));

describe('drain', () => {
  it('pushes only the listeners in their draining form, then back; other nodes are untouched', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', group()]]));
    const a = h.client.sotw({ id: 'gw-a' });
    const b = h.client.sotw({ id: 'gw-b' });
    for (const s of [a, b]) {
      s.subscribe(CDS);
      s.ack(await s.nextResponse(CDS));
      s.subscribe(EDS, ['c1']);
      s.ack(await s.nextResponse(EDS));
      s.subscribe(LDS);
      s.ack(await s.nextResponse(LDS));
      s.subscribe(RDS, ['r1']);
      s.ack(await s.nextResponse(RDS));
    }
    await eventually(() => h.server.connections().every((c) => c.types.every((t) => t.state === 'acked')));
    const before = pushesOf('gw-a').length;

    h.server.setDraining('gw-a', true);
    const drained = await a.nextResponse(LDS);
    expect(sotwResourceNames(drained)).toEqual(['l1', 'l2']);
    expect(decodeSotwResources(drained).map(statPrefix)).toEqual(['l1-draining', 'l2']);
    expect(drained.version_info).toBe(h.cache.snapshot('default', 'draining').types.get(LDS)?.version);
    a.ack(drained);
    await a.expectNoResponse();
    await b.expectNoResponse();
    expect(pushesOf('gw-a').slice(before)).toEqual([LDS]);
    expect(h.server.drainingNodes()).toEqual(['gw-a']);
    await eventually(() => h.server.connections().find((c) => c.nodeId === 'gw-a')?.draining === true);
    expect(h.server.connections().find((c) => c.nodeId === 'gw-b')?.draining).toBe(false);

    h.server.setDraining('gw-a', false);
    const serving = await a.nextResponse(LDS);
    expect(decodeSotwResources(serving).map(statPrefix)).toEqual(['l1', 'l2']);
    expect(serving.version_info).toBe(h.cache.snapshot('default').types.get(LDS)?.version);
    expect(h.server.drainingNodes()).toEqual([]);
    expect(h.server.connections().every((c) => !c.draining)).toBe(true);
  });

  it('a drained node that reconnects gets the draining view from its first response (Delta)', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', group()]]));
    h.server.setDraining('gw-a', true);
    const d = h.client.delta({ id: 'gw-a' });
    d.subscribe(LDS);
    const res = await d.nextResponse(LDS);
    expect(deltaResourceNames(res)).toEqual(['l1', 'l2']);
    const versions = Object.fromEntries(res.resources.map((r) => [r.name, r.version]));
    const draining = h.cache.snapshot('default', 'draining').types.get(LDS)!.resources;
    expect(versions).toEqual({ l1: draining.get('l1')?.version, l2: draining.get('l2')?.version });
    expect(versions['l1']).not.toBe(h.cache.snapshot('default').types.get(LDS)!.resources.get('l1')?.version);
    await eventually(() => h.server.connections()[0]?.draining === true);
  });

  it('a config change reaches a drained node in its draining form', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', group()]]));
    const d = h.client.delta({ id: 'gw-a' });
    d.subscribe(LDS);
    d.ack(await d.nextResponse(LDS));
    h.server.setDraining('gw-a', true);
    const drained = await d.nextResponse(LDS);
    expect(deltaResourceNames(drained)).toEqual(['l1']); // l2 has no draining form: not re-sent
    d.ack(drained);
    const changed = new Map(group()).set(LDS, [drainableListener(), listener('l2', 'r1', 10082)]);
    h.cache.setAll(new Map([['default', changed]]));
    const next = await d.nextResponse(LDS);
    expect(deltaResourceNames(next)).toEqual(['l2']);
    expect(next.resources[0]?.version).toBe(
      h.cache.snapshot('default', 'draining').types.get(LDS)?.resources.get('l2')?.version,
    );
  });
});
