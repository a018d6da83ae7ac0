/**
 * translateXdsReusing translates only the groups whose IR object changed and otherwise gives exactly
 * translateXds's output.
 */
import type { GatewayGroupIR, IR } from '../../src/ir/ir-types.js';
import { translateXdsReusing } from './xds-reuse.js';
import { translateXds } from './xds.translator.js';

const group = (name: string, port: number): GatewayGroupIR => ({
  name,
  http: { name: 'http', port, virtualHosts: [] },
  tcp: [],
  backends: [],
  secrets: [],
});

test('only groups with a new IR object are translated again; the output equals translateXds', () => {
  const a = group('a', 8080);
  const b = group('b', 8080);
  const first = translateXdsReusing({ groups: [a, b] });
  expect([...first.changed.keys()]).toEqual(['a', 'b']);
  const translated: string[] = [];
  const ir: IR = { groups: [a, group('b', 9090)] };
  const second = translateXdsReusing(ir, first.reuse, (g) => translated.push(g));
  expect(translated).toEqual(['b']);
  expect([...second.changed.keys()]).toEqual(['b']);
  expect(second.xds).toEqual(translateXds(ir));
  const third = translateXdsReusing({ groups: [a] }, second.reuse, (g) => translated.push(g));
  expect(third.removed).toEqual(['b']);
  expect(translated).toEqual(['b']);
});
