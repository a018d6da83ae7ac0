import { describe, expect, it } from '@jest/globals';
import { createLogger } from '../../observability/logger.js';
import {
  SERVICE_CONDITION_TYPE,
  ServiceConditionWriter,
  conditionMessage,
  conditionPatch,
  planServiceConditions,
  type ServiceConditionClient,
  type ServiceInfo,
} from './service-conditions.js';

const logger = createLogger({ level: 'silent' });

describe('planServiceConditions', () => {
  it('sets changed marks of existing Services and removes marks no longer wanted, sorted', () => {
    const current = new Map([
      ['shop/a', 'old'],
      ['shop/b', 'same'],
      ['shop/gone', 'x'],
    ]);
    const desired = new Map([
      ['shop/a', 'new'],
      ['shop/b', 'same'],
      ['shop/c', 'm'],
      ['shop/missing', 'm'],
    ]);
    expect(planServiceConditions(current, desired, (k) => k !== 'shop/missing')).toEqual([
      { kind: 'set', key: 'shop/a', message: 'new' },
      { kind: 'set', key: 'shop/c', message: 'm' },
      { kind: 'remove', key: 'shop/gone' },
    ]);
  });
});

describe('conditionPatch', () => {
  it('is a strategic merge patch keyed by the condition type', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(conditionPatch({ kind: 'set', key: 'shop/a', message: 'm' }, now, 3)).toEqual({
      status: {
        conditions: [
          {
            type: SERVICE_CONDITION_TYPE,
            status: 'False',
            reason: 'GatewayRejectedConfig',
            message: 'm',
            lastTransitionTime: '2026-01-01T00:00:00.000Z',
            observedGeneration: 3,
          },
        ],
      },
    });
    expect(conditionPatch({ kind: 'remove', key: 'shop/a' }, now)).toEqual({
      status: { conditions: [{ type: SERVICE_CONDITION_TYPE, $patch: 'delete' }] },
    });
  });

  it('joins messages sorted and bounds them to the API limit', () => {
    expect(conditionMessage(['b', 'a'])).toBe('a; b');
    expect(conditionMessage(['x'.repeat(40_000)])).toHaveLength(32_768);
  });
});

/** A cluster in memory: Services and their condition messages; records the patches. */
function memoryCluster(
  services: Record<string, ServiceInfo>,
): ServiceConditionClient & { patches: string[] } {
  const state = new Map(Object.entries(services));
  const patches: string[] = [];
  return {
    patches,
    async list() {
      return new Map(state);
    },
    async patch(namespace, name, body) {
      const c = (body as { status: { conditions: Array<{ $patch?: string; message?: string }> } }).status
        .conditions[0]!;
      patches.push(`${c.$patch === 'delete' ? 'remove' : 'set'} ${namespace}/${name}`);
      state.set(`${namespace}/${name}`, c.$patch === 'delete' ? {} : { message: c.message ?? '' });
    },
  };
}

describe('ServiceConditionWriter', () => {
  it('marks in every cluster where the Service exists, clears a former leader’s marks, writes nothing twice', async () => {
    const east = memoryCluster({ 'shop/web': {}, 'shop/old': { message: 'stale' } });
    const west = memoryCluster({ 'shop/web': {} });
    let leader = true;
    const w = new ServiceConditionWriter({
      clients: new Map([
        ['east', east],
        ['west', west],
      ]),
      isLeader: () => leader,
      logger,
    });
    await w.sync(new Map([['shop/web', 'rejected']]));
    expect(east.patches).toEqual(['remove shop/old', 'set shop/web']);
    expect(west.patches).toEqual(['set shop/web']);
    await w.sync(new Map([['shop/web', 'rejected']]));
    expect(east.patches).toHaveLength(2);
    await w.sync(new Map());
    expect(west.patches).toEqual(['set shop/web', 'remove shop/web']);
    leader = false;
    await w.sync(new Map([['shop/web', 'again']]));
    expect(west.patches).toHaveLength(2);
  });
});
