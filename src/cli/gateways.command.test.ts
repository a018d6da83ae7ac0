import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FleetView } from '../fleet/fleet-view.js';
import { adminBaseUrl, adminTokenOf, age, formatGateways, formatTable } from './gateways.command.js';

const view: FleetView = {
  generatedAt: '2026-11-25T12:00:00.000Z',
  laggingAfterMs: 10_000,
  summary: { groups: 1, gateways: 2, inSync: 1, lagging: 0, rejecting: 1, draining: 0 },
  groups: [
    {
      name: 'edge',
      versions: { cluster: 'aaaaaaaabbbbbbbb', listener: 'cccccccc11111111' },
      counts: { gateways: 2, inSync: 1, lagging: 0, rejecting: 1, draining: 0 },
      gateways: [
        {
          nodeId: 'edge-gw1',
          group: 'edge',
          status: 'in-sync',
          draining: false,
          zone: 'eu-west-1a',
          address: '192.0.2.11',
          envoyVersion: '1.40.0',
          connectedAt: '2026-11-25T09:00:00.000Z',
          stream: 'delta',
          streamId: 's1',
          peer: '192.0.2.11:5000',
          types: [
            { type: 'cluster', status: 'in-sync', state: 'acked', ackedVersion: 'aaaaaaaabbbbbbbb' },
            { type: 'listener', status: 'in-sync', state: 'acked', ackedVersion: 'cccccccc11111111' },
          ],
        },
        {
          nodeId: 'edge-\u001b[2Jgw2',
          group: 'edge',
          status: 'rejecting',
          draining: false,
          connectedAt: '2026-11-25T11:59:15.000Z',
          stream: 'sotw',
          streamId: 's2',
          peer: '10.0.0.2:5000',
          types: [{ type: 'cluster', status: 'in-sync', state: 'acked', ackedVersion: 'aaaaaaaabbbbbbbb' }],
          lastNack: {
            type: 'listener',
            version: 'cccccccc11111111',
            message: 'Error adding listener http:\nduplicate\u001b[31m filter',
            resourceNames: ['http'],
            at: '2026-11-25T11:59:50.000Z',
            objects: [{ kind: 'Ingress', namespace: 'shop', name: 'web' }],
          },
        },
      ],
    },
  ],
};

describe('causeway gateways output', () => {
  it('prints kubectl-like columns; control characters never reach the terminal', () => {
    expect(formatGateways(view, false)).toBe(
      [
        'NODE           GROUP   ZONE         ADDRESS      STATUS      AGE',
        'edge-gw1       edge    eu-west-1a   192.0.2.11   in-sync     3h',
        'edge- [2Jgw2   edge    -            -            rejecting   45s',
        '',
      ].join('\n'),
    );
  });

  it('-o wide adds Envoy, stream, short ACKed versions and the last NACK with the objects it came from', () => {
    const [header, one, two] = formatGateways(view, true).split('\n');
    expect(header?.split(/ {3,}/)).toEqual([
      'NODE',
      'GROUP',
      'ZONE',
      'ADDRESS',
      'STATUS',
      'AGE',
      'ENVOY',
      'STREAM',
      'CLUSTER',
      'ENDPOINT',
      'SECRET',
      'LISTENER',
      'ROUTE',
      'LAST NACK',
    ]);
    expect(one?.split(/ {3,}/).slice(6)).toEqual([
      '1.40.0',
      'delta',
      'aaaaaaaa',
      '-',
      '-',
      'cccccccc',
      '-',
      '-',
    ]);
    expect(two?.split(/ {3,}/).slice(6)).toEqual([
      '-',
      'sotw',
      'aaaaaaaa',
      '-',
      '-',
      '-',
      '-',
      'listener (Ingress shop/web): Error adding listener http: duplicate [31m filter',
    ]);
    // eslint-disable-next-line no-control-regex
    expect(formatGateways(view, true)).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('cuts a long NACK message at 80 characters', () => {
    const long = structuredClone(view) as unknown as {
      groups: Array<{ gateways: Array<{ lastNack?: { message: string } }> }>;
    };
    long.groups[0]!.gateways[1]!.lastNack!.message = 'x'.repeat(200);
    const line = formatGateways(long as unknown as FleetView, true).split('\n')[2]!;
    const nack = line.split(/ {3,}/).at(-1)!;
    expect(nack).toHaveLength(80);
    expect(nack.endsWith('...')).toBe(true);
  });

  it.each([
    ['2026-11-25T11:59:59Z', '1s'],
    ['2026-11-25T11:58:01Z', '119s'],
    ['2026-11-25T11:58:00Z', '2m'],
    ['2026-11-25T10:00:01Z', '119m'],
    ['2026-11-25T10:00:00Z', '2h'],
    ['2026-11-23T12:00:01Z', '47h'],
    ['2026-11-23T12:00:00Z', '2d'],
    ['2026-11-25T12:00:05Z', '0s'],
    ['garbage', '-'],
  ])('age since %s is %s', (from, expected) => {
    expect(age(from, '2026-11-25T12:00:00Z')).toBe(expected);
  });

  it('aligns columns three spaces apart, without trailing spaces', () => {
    expect(
      formatTable([
        ['A', 'BB', 'C'],
        ['aaa', 'b', ''],
      ]),
    ).toBe('A     BB   C\naaa   b\n');
  });

  it('turns --admin-address into the base URL, or refuses it', () => {
    expect(adminBaseUrl('127.0.0.1:19000')).toBe('http://127.0.0.1:19000');
    expect(adminBaseUrl('[::1]:19000')).toBe('http://[::1]:19000');
    expect(adminBaseUrl('controller.local:80')).toBe('http://controller.local:80');
    expect(() => adminBaseUrl('19000')).toThrow('invalid --admin-address "19000": expected HOST:PORT');
  });
});

test('the drain token: --token-file (trimmed) wins over $CAUSEWAY_ADMIN_TOKEN; none without either', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-token-'));
  try {
    const file = path.join(dir, 'token');
    fs.writeFileSync(file, 'from-file-token\n');
    expect(adminTokenOf(file, { CAUSEWAY_ADMIN_TOKEN: 'from-env' })).toBe('from-file-token');
    expect(adminTokenOf(undefined, { CAUSEWAY_ADMIN_TOKEN: ' from-env\n' })).toBe('from-env');
    expect(adminTokenOf(undefined, { CAUSEWAY_ADMIN_TOKEN: '' })).toBeUndefined();
    expect(adminTokenOf(undefined, {})).toBeUndefined();
    expect(() => adminTokenOf(path.join(dir, 'missing'), {})).toThrow(/cannot read --token-file .*ENOENT/);
    fs.writeFileSync(file, 'two tokens');
    expect(() => adminTokenOf(file, {})).toThrow(/does not hold one token/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
