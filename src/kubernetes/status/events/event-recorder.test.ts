import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { diagnostic } from '../../../errors.js';
import { createLogger } from '../../../observability/logger.js';
import type { EventClient } from './event-client.js';
import type { EventCreate, EventSeriesBody } from './event-plan.js';
import { EventRecorder } from './event-recorder.js';
import { MIN, T0, badPath, ing } from '../../testdata/event-fixtures.js';

function apiError(code: number): Error {
  return Object.assign(new Error(`HTTP-Code: ${code}`), { code });
}

interface StoredEvent {
  readonly create: EventCreate;
  series?: EventSeriesBody;
}

class FakeEvents {
  readonly events = new Map<string, StoredEvent>();
  readonly calls: string[] = [];
  readonly failNext: Error[] = [];

  client(): EventClient {
    const maybeFail = (): void => {
      const err = this.failNext.shift();
      if (err) throw err;
    };
    return {
      create: async (c) => {
        this.calls.push(`create ${c.spec.namespace}/${c.spec.name}`);
        maybeFail();
        const id = `${c.spec.namespace}/${c.spec.name}`;
        if (this.events.has(id)) throw apiError(409);
        this.events.set(id, { create: c, ...(c.series ? { series: c.series } : {}) });
      },
      seriesCount: async (ns, name) => {
        this.calls.push(`get ${ns}/${name}`);
        const ev = this.events.get(`${ns}/${name}`);
        return ev === undefined ? undefined : (ev.series?.count ?? 1);
      },
      patchSeries: async (ns, name, series) => {
        this.calls.push(`patch ${ns}/${name}`);
        maybeFail();
        const ev = this.events.get(`${ns}/${name}`);
        if (!ev) throw apiError(404);
        ev.series = series;
      },
    };
  }
}

describe('EventRecorder', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  function recorder(fake: FakeEvents, leader = { value: true }, identity = 'replica-a'): EventRecorder {
    return new EventRecorder({
      clientFor: (cluster) => (cluster === 'east' ? fake.client() : undefined),
      isLeader: () => leader.value,
      reportingInstance: identity,
      logger: createLogger({ level: 'silent' }),
      resyncMs: 0,
    });
  }

  it('creates the Event once, then patches its series after the interval', async () => {
    const fake = new FakeEvents();
    const r = recorder(fake);
    expect(await r.record([badPath()])).toEqual({ created: 1, patched: 0, failed: 0, deferred: 0 });
    const [stored] = [...fake.events.values()];
    expect(stored!.create.spec).toMatchObject({ reason: 'InvalidPath', reportingInstance: 'replica-a' });
    expect(await r.record([badPath()])).toEqual({ created: 0, patched: 0, failed: 0, deferred: 0 });
    expect(fake.calls).toHaveLength(1);
    // The recorder flushes the pending series on its own when the interval is over.
    await jest.advanceTimersByTimeAsync(5 * MIN);
    expect(fake.calls.at(-1)).toMatch(/^patch shop\/web\./);
    expect(stored!.series).toEqual({ count: 2, lastObservedTime: T0 });
    r.close();
  });

  it('writes nothing while not leading, and starts afresh when leading', async () => {
    const fake = new FakeEvents();
    const leader = { value: false };
    const r = recorder(fake, leader);
    expect(await r.record([badPath()])).toMatchObject({ created: 0, notLeader: true });
    expect(fake.calls).toEqual([]);
    leader.value = true;
    expect(await r.record([badPath()])).toMatchObject({ created: 1 });
    r.close();
  });

  it("adopts a former leader's Event of the same series (409) and patches its count", async () => {
    const fake = new FakeEvents();
    const former = recorder(fake, { value: true }, 'replica-a');
    await former.record([badPath()]);
    await former.record([badPath()]);
    await jest.advanceTimersByTimeAsync(5 * MIN);
    former.close();
    const [stored] = [...fake.events.values()];
    expect(stored!.series?.count).toBe(2);

    const successor = recorder(fake, { value: true }, 'replica-b');
    fake.calls.length = 0;
    await successor.record([badPath()]);
    await jest.advanceTimersByTimeAsync(1);
    expect(fake.calls.map((c) => c.split(' ')[0])).toEqual(['create', 'get', 'patch']);
    expect(fake.events.size).toBe(1);
    expect(stored!.series).toEqual({ count: 3, lastObservedTime: T0 + 5 * MIN });
    // reportingInstance is immutable: the adopted Event keeps the former leader's.
    expect(stored!.create.spec.reportingInstance).toBe('replica-a');
    successor.close();
  });

  it('retries a write that failed with 5xx after a backoff', async () => {
    const fake = new FakeEvents();
    fake.failNext.push(apiError(503));
    const r = recorder(fake);
    expect(await r.record([badPath()])).toMatchObject({ created: 0, failed: 1 });
    expect(fake.events.size).toBe(0);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(fake.events.size).toBe(1);
    r.close();
  });

  it('writes what the rate limit held back by itself', async () => {
    const fake = new FakeEvents();
    const r = recorder(fake);
    const many = Array.from({ length: 30 }, (_, i) => badPath(`web-${i}`));
    expect(await r.record(many)).toMatchObject({ created: 25, deferred: 5 });
    await jest.advanceTimersByTimeAsync(600);
    expect(fake.events.size).toBe(30);
    r.close();
  });

  it('stops writing the moment leadership is lost', async () => {
    const fake = new FakeEvents();
    const leader = { value: true };
    const client = fake.client();
    let creates = 0;
    const r = new EventRecorder({
      clientFor: () => ({
        ...client,
        create: async (c: EventCreate) => {
          // Leadership is lost while the second write is in flight.
          if (++creates === 2) leader.value = false;
          await client.create(c);
        },
      }),
      isLeader: () => leader.value,
      reportingInstance: 'x',
      logger: createLogger({ level: 'silent' }),
      resyncMs: 0,
      concurrency: 1,
    });
    const result = await r.record(Array.from({ length: 10 }, (_, i) => badPath(`web-${i}`)));
    expect(result).toMatchObject({ created: 2, notLeader: true });
    expect(fake.events.size).toBe(2);
    // Its state is gone: nothing is written later by a timer either.
    await jest.advanceTimersByTimeAsync(10 * MIN);
    expect(fake.events.size).toBe(2);
    r.close();
  });

  it('skips diagnostics of manifest files and of clusters without a client', async () => {
    const fake = new FakeEvents();
    const r = recorder(fake);
    const result = await r.record([
      diagnostic('CW_E_INGRESS_PATH_INVALID', { ...ing('web'), file: 'web.yaml' }, 'x'),
      diagnostic('CW_E_INGRESS_PATH_INVALID', ing('web', 'shop', 'west'), 'x'),
    ]);
    expect(result).toMatchObject({ created: 0, failed: 1 });
    expect(fake.calls).toEqual([]);
    r.close();
  });

  it('re-records the last diagnostics every resyncMs, keeping a persistent problem alive', async () => {
    const fake = new FakeEvents();
    const r = new EventRecorder({
      clientFor: () => fake.client(),
      isLeader: () => true,
      reportingInstance: 'x',
      logger: createLogger({ level: 'silent' }),
      resyncMs: 10 * MIN,
    });
    await r.record([badPath()]);
    await jest.advanceTimersByTimeAsync(20 * MIN);
    const [stored] = [...fake.events.values()];
    // Observed at 0 (create), 10 min and 20 min: patched once each time.
    expect(stored!.series).toEqual({ count: 3, lastObservedTime: T0 + 20 * MIN });
    r.close();
  });
});
