/** The ADS server's push limiter in place: many streams at once never compute and write more than the limit. */
import { deltaResourceNames } from '../../test/support/xds-client.js';
import type { PushLimiter } from './push-limiter.js';
import { createPushLimiter } from './push-limiter.js';
import type { Harness } from './testdata/ads-fixtures.js';
import { CDS, EDS, cla, cluster, resources, startHarness } from './testdata/ads-fixtures.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

test('60 streams subscribing at once: at most 2 hold a push slot, the rest queue, every one is served', async () => {
  const inner = createPushLimiter(2, 5000);
  let maxQueued = 0;
  const limiter: PushLimiter = {
    run(task) {
      inner.run(task);
      maxQueued = Math.max(maxQueued, inner.stats().queued);
    },
    stats: () => inner.stats(),
  };
  h = await startHarness({ pushLimiter: limiter });
  const names = Array.from({ length: 200 }, (_, i) => `c${i}`);
  h.cache.setAll(
    new Map([
      ['a', resources({ clusters: names.map((n) => cluster(n)), endpoints: names.map((n) => cla(n)) })],
    ]),
  );
  const streams = Array.from({ length: 60 }, (_, i) => h!.client.delta({ id: `gw-${i}`, cluster: 'a' }));
  for (const s of streams) {
    s.subscribe(CDS);
    s.subscribe(EDS, names);
  }
  for (const s of streams) {
    const cds = await s.nextResponse(CDS, 10_000);
    const eds = await s.nextResponse(EDS, 10_000);
    expect(deltaResourceNames(cds)).toHaveLength(200);
    expect(deltaResourceNames(eds)).toHaveLength(200);
  }
  const stats = limiter.stats();
  expect(stats.maxActive).toBe(2);
  expect(maxQueued).toBeGreaterThan(2);
  expect(stats.started).toBeGreaterThanOrEqual(60);
}, 30_000);
