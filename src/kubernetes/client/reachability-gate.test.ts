import { afterEach, beforeEach, expect, jest, test } from '@jest/globals';
import { ApiException } from '@kubernetes/client-node';
import { isUnreachable, ReachabilityGate, type ProbeAnswer } from './reachability-gate.js';
import { KubeApiError } from './kube-transport.js';

/** A probe whose answers the test sets; records how many ran and how many overlapped. */
function fakeProbe(): {
  answer: ProbeAnswer;
  calls: number;
  maxInFlight: number;
  hold: Promise<void> | undefined;
  probe: (signal: AbortSignal) => Promise<ProbeAnswer>;
} {
  let inFlight = 0;
  const p = {
    answer: { status: 0 } as ProbeAnswer,
    calls: 0,
    maxInFlight: 0,
    hold: undefined as Promise<void> | undefined,
    probe: async (): Promise<ProbeAnswer> => {
      p.calls++;
      inFlight++;
      p.maxInFlight = Math.max(p.maxInFlight, inFlight);
      try {
        if (p.hold) await p.hold;
        return p.answer;
      } finally {
        inFlight--;
      }
    },
  };
  return p;
}

/** random() = 1: every delay is its nominal value (100, 200, 400, 800, 1000, 1000 ... ms). */
function gateWith(p: ReturnType<typeof fakeProbe>): ReachabilityGate {
  return new ReachabilityGate({ probe: p.probe, random: () => 1 });
}

beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

test('many parked loops share ONE probe at a time, capped at one a second, and are released together', async () => {
  const p = fakeProbe();
  const gate = gateWith(p);
  const released: boolean[] = [];
  for (let i = 0; i < 6; i++) void gate.whenReachable().then((r) => released.push(r));
  await jest.advanceTimersByTimeAsync(100 + 200 + 400 + 800); // four probes, all refused
  expect(p.calls).toBe(4);
  await jest.advanceTimersByTimeAsync(10_000); // then one a second
  expect(p.calls).toBe(14);
  expect(p.maxInFlight).toBe(1);
  expect(released).toEqual([]);
  expect(gate.parked).toBe(6);
  p.answer = { status: 200 };
  await jest.advanceTimersByTimeAsync(1_000);
  expect(released).toEqual([true, true, true, true, true, true]);
  expect(gate.parked).toBe(0);
  // Nobody parked: no more probes.
  await jest.advanceTimersByTimeAsync(10_000);
  expect(p.calls).toBe(15);
  gate.close();
});

test('an apiserver not ready yet (500, 429) keeps the loops parked; a 429 Retry-After spaces the probes', async () => {
  const p = fakeProbe();
  const gate = gateWith(p);
  let released = false;
  void gate.whenReachable().then(() => (released = true));
  p.answer = { status: 500 };
  await jest.advanceTimersByTimeAsync(100);
  expect(p.calls).toBe(1);
  p.answer = { status: 429, retryAfterMs: 5_000 };
  await jest.advanceTimersByTimeAsync(200);
  expect(p.calls).toBe(2);
  await jest.advanceTimersByTimeAsync(4_999);
  expect(p.calls).toBe(2);
  p.answer = { status: 200 };
  await jest.advanceTimersByTimeAsync(1);
  expect(p.calls).toBe(3);
  expect(released).toBe(true);
  gate.close();
});

test('answers that cannot tell readiness (401, 403, 404) release the loops: they retry on their own backoff', async () => {
  for (const status of [401, 403, 404]) {
    const p = fakeProbe();
    p.answer = { status };
    const gate = gateWith(p);
    const released = gate.whenReachable();
    await jest.advanceTimersByTimeAsync(100);
    await expect(released).resolves.toBe(true);
    gate.close();
  }
});

test('a probe already in flight does not release a loop that parked after it was sent', async () => {
  const p = fakeProbe();
  const gate = gateWith(p);
  const order: string[] = [];
  void gate.whenReachable().then(() => order.push('early'));
  let letGo!: () => void;
  p.hold = new Promise<void>((r) => (letGo = r));
  p.answer = { status: 200 };
  await jest.advanceTimersByTimeAsync(100); // the probe is sent and waits for its answer
  expect(p.calls).toBe(1);
  void gate.whenReachable().then(() => order.push('late'));
  p.hold = undefined;
  letGo();
  await jest.advanceTimersByTimeAsync(0);
  expect(order).toEqual(['early']);
  await jest.advanceTimersByTimeAsync(200); // the next probe (attempt 1)
  expect(order).toEqual(['early', 'late']);
  gate.close();
});

test('a healthy request of any loop releases every parked loop and restarts the probe backoff', async () => {
  const p = fakeProbe();
  const gate = gateWith(p);
  const released = gate.whenReachable();
  await jest.advanceTimersByTimeAsync(100 + 200 + 400);
  expect(p.calls).toBe(3);
  gate.reportHealthy();
  await expect(released).resolves.toBe(true);
  void gate.whenReachable();
  await jest.advanceTimersByTimeAsync(100); // back to the first delay
  expect(p.calls).toBe(4);
  gate.close();
});

test('an aborted wait and close() resolve false; a closed gate probes no more', async () => {
  const p = fakeProbe();
  const gate = gateWith(p);
  const abort = new AbortController();
  const aborted = gate.whenReachable(abort.signal);
  const closed = gate.whenReachable();
  abort.abort();
  await expect(aborted).resolves.toBe(false);
  expect(gate.parked).toBe(1);
  gate.close();
  await expect(closed).resolves.toBe(false);
  await expect(gate.whenReachable()).resolves.toBe(false);
  await jest.advanceTimersByTimeAsync(5_000);
  expect(p.calls).toBe(0);
});

test('a probe that never answers is cut after its timeout and counts as unreachable', async () => {
  let signals = 0;
  const gate = new ReachabilityGate({
    random: () => 1,
    probeTimeoutMs: 300,
    probe: (signal) =>
      new Promise((_resolve, reject) => {
        signals++;
        signal.addEventListener('abort', () => reject(new Error('aborted')));
      }),
  });
  let released = false;
  void gate.whenReachable().then(() => (released = true));
  await jest.advanceTimersByTimeAsync(100 + 300 + 200 + 300);
  expect(signals).toBe(2);
  expect(released).toBe(false);
  gate.close();
});

test('which failures wait for the probe: no answer at all, or a proxy saying the apiserver is away', () => {
  expect(isUnreachable(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
  expect([502, 503, 504].map((c) => isUnreachable(new KubeApiError(c, 'x')))).toEqual([true, true, true]);
  expect([403, 410, 429, 500].map((c) => isUnreachable(new KubeApiError(c, 'x')))).toEqual([
    false,
    false,
    false,
    false,
  ]);
  expect(isUnreachable(new ApiException(503, 'x', '', {}))).toBe(true);
});
