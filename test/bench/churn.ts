/**
 * The churn run of the Kubernetes-mode benchmark: EndpointSlice writes issued OPEN-LOOP at a fixed rate
 * (write k is sent at start + k / rate whether or not earlier ones were served), rotating over a set of
 * Services and both clusters; each write puts a never-used address (10.128.0.0 + k) on one endpoint, so
 * its arrival is unambiguous. The writer side (`runChurnWriter`, in the writer process) only sends; the
 * controller side (`ChurnTracker`) watches the cache and the gateways' ACKs: a write is in the cache
 * when a stored snapshot's ClusterLoadAssignment holds its address (or a later write of the same slice),
 * and ACKed when every gateway of its group ACKed an EDS version at least as new. Lag is measured from the
 * scheduled send time (no coordinated omission). The queue depth is derived from the timestamps.
 */
import { monotonicMs } from './http-prober.js';
import { EDS, summary, type Harness } from './bench-harness.js';

export interface ChurnPlan {
  /** Writes per second, and for how long. */
  readonly rate: number;
  readonly seconds: number;
  /** How many Services the writes rotate over (spread over all `services`; distinct unless 7919 divides it). */
  readonly churnServices: number;
  readonly services: number;
  readonly endpointsPerSlice: number;
  readonly clusters: number;
}

export interface ChurnWrite {
  readonly k: number;
  readonly service: number;
  readonly cluster: number;
  readonly endpoint: number;
  readonly address: string;
}

export const churnWriteCount = (p: ChurnPlan): number => Math.round(p.rate * p.seconds);
export const scheduledAt = (p: ChurnPlan, startMs: number, k: number): number =>
  startMs + (k * 1000) / p.rate;

/** The k-th never-used address: 10.128.0.0 + k (up to 4M writes). */
export function churnAddress(k: number): string {
  if (k >= 1 << 22) throw new Error('too many churn writes for 10.128.0.0/10');
  return `10.${128 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}`;
}

/** Write k: Services in turn, then the next cluster, then the next endpoint. */
export function churnWrite(p: ChurnPlan, k: number): ChurnWrite {
  const j = k % p.churnServices;
  const round = Math.floor(k / p.churnServices);
  return {
    k,
    // A prime stride spreads the churned Services over every group (Service s is in group s mod groups).
    service: (j * 7919 + 13) % p.services,
    cluster: round % p.clusters,
    endpoint: Math.floor(round / p.clusters) % p.endpointsPerSlice,
    address: churnAddress(k),
  };
}

export interface ChurnTimes {
  /** monotonicMs() when each write was sent and answered (NaN: failed). */
  readonly sent: readonly number[];
  readonly answered: readonly number[];
  readonly failed: number;
  readonly firstError?: string;
}

/** Sends the writes on schedule; `put` writes the slice of `w` with `overrides` (endpoint -> address). */
export async function runChurnWriter(
  p: ChurnPlan,
  startMs: number,
  put: (w: ChurnWrite, overrides: ReadonlyMap<number, string>) => Promise<void>,
): Promise<ChurnTimes> {
  const n = churnWriteCount(p);
  const sent = new Array<number>(n).fill(NaN);
  const answered = new Array<number>(n).fill(NaN);
  const state = new Map<string, Map<number, string>>();
  const inFlight: Promise<void>[] = [];
  let failed = 0;
  let firstError: string | undefined;
  for (let k = 0; k < n;) {
    const wait = scheduledAt(p, startMs, k) - monotonicMs();
    if (wait > 0) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      continue;
    }
    const w = churnWrite(p, k);
    const key = `${w.cluster}/${w.service}`;
    const overrides = new Map(state.get(key) ?? []);
    overrides.set(w.endpoint, w.address);
    state.set(key, overrides);
    const i = k;
    sent[i] = monotonicMs();
    inFlight.push(
      put(w, overrides).then(
        () => void (answered[i] = monotonicMs()),
        (err: unknown) => {
          failed++;
          firstError ??= err instanceof Error ? err.message : String(err);
        },
      ),
    );
    k++;
  }
  await Promise.all(inFlight);
  return { sent, answered, failed, ...(firstError !== undefined ? { firstError } : {}) };
}

interface Pending {
  readonly k: number;
  /** The slice's cluster: a later write of the same slice in the cache means this one was too. */
  readonly cluster: number;
  readonly needle: Buffer;
}

/** Per group: store sequence numbers of EDS versions, and the oldest sequence every member ACKed. */
class GroupAcks {
  seq = 0;
  readonly versionSeq = new Map<string, number>();
  readonly lastAcked = new Map<string, number>();
  readonly counts = new Map<number, number>([[0, 0]]);
  minSeq = 0;
  /** Writes in the cache, not yet ACKed by every member, in store order (so by seq): [k, seq]. */
  readonly reflected: [number, number][] = [];
  /** Pending (not yet in the cache) writes by ClusterLoadAssignment name, oldest first. */
  readonly pending = new Map<string, Pending[]>();
  readonly lastVersion = new Map<string, string>();

  constructor(version: string | undefined, members: readonly string[]) {
    if (version !== undefined) this.versionSeq.set(version, 0);
    for (const m of members) this.lastAcked.set(m, 0);
    this.counts.set(0, members.length);
  }

  /** EDS ACKs seen, and of those, ACKs of a version this tracker never saw stored (diagnostics). */
  acks = 0;
  unknownVersionAcks = 0;

  /** Records an ACK; returns whether the oldest ACKed sequence moved. */
  ack(node: string, version: string): boolean {
    const s = this.versionSeq.get(version);
    const last = this.lastAcked.get(node);
    this.acks++;
    if (s === undefined) this.unknownVersionAcks++;
    if (s === undefined || last === undefined || s <= last) return false;
    this.lastAcked.set(node, s);
    this.counts.set(last, (this.counts.get(last) ?? 1) - 1);
    this.counts.set(s, (this.counts.get(s) ?? 0) + 1);
    const before = this.minSeq;
    while (this.minSeq < this.seq && (this.counts.get(this.minSeq) ?? 0) === 0) this.minSeq++;
    return this.minSeq !== before;
  }
}

export interface ChurnTrackerOptions {
  readonly plan: ChurnPlan;
  readonly startMs: number;
  /** The groups whose gateways serve Service s. */
  readonly groupsOf: (service: number) => readonly string[];
  /** The name of Service s's ClusterLoadAssignment in `group`. */
  readonly claName: (service: number, group: string) => string;
  /** Node ids of every gateway (simulated and real) by group. */
  readonly members: ReadonlyMap<string, readonly string[]>;
}

/** Watches the controller (cache stores, gateway ACKs) during a churn run; all times monotonicMs(). */
export class ChurnTracker {
  readonly inCacheAt: number[];
  readonly ackedAt: number[];
  private readonly groupsLeft: number[];
  private readonly groups = new Map<string, GroupAcks>();
  private readonly unsubscribe: (() => void)[] = [];
  private admitted = 0;
  private left: number;
  private closed = false;
  private resolveDone: () => void = () => undefined;
  readonly done: Promise<void>;

  constructor(
    private readonly h: Harness,
    private readonly o: ChurnTrackerOptions,
  ) {
    const n = churnWriteCount(o.plan);
    this.inCacheAt = new Array<number>(n).fill(NaN);
    this.ackedAt = new Array<number>(n).fill(NaN);
    this.groupsLeft = Array.from({ length: n }, (_, k) => o.groupsOf(churnWrite(o.plan, k).service).length);
    this.left = n;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    for (const [g, members] of o.members) {
      this.groups.set(g, new GroupAcks(h.cache.snapshot(g).types.get(EDS)?.version, members));
      this.unsubscribe.push(h.cache.subscribe(g, () => this.onStore(g)));
    }
    void h.board.until((conn, typeUrl, version) => {
      if (this.closed) return true;
      if (typeUrl === EDS) this.onAck(conn.group, conn.nodeId, version);
      return false;
    });
  }

  close(): void {
    this.closed = true;
    for (const u of this.unsubscribe) u();
  }

  /** Per group: EDS ACKs seen, ACKs of unknown versions, stores seen, and how far every member ACKed. */
  diagnostics(): Record<
    string,
    { acks: number; unknownVersionAcks: number; stores: number; allAckedSeq: number }
  > {
    return Object.fromEntries(
      [...this.groups].map(([g, gs]) => [
        g,
        { acks: gs.acks, unknownVersionAcks: gs.unknownVersionAcks, stores: gs.seq, allAckedSeq: gs.minSeq },
      ]),
    );
  }

  /** Admits every write whose time has come into the pending lists of its groups. */
  private admit(t: number): void {
    const n = this.inCacheAt.length;
    while (this.admitted < n && scheduledAt(this.o.plan, this.o.startMs, this.admitted) <= t) {
      const w = churnWrite(this.o.plan, this.admitted++);
      const needle = Buffer.concat([Buffer.from([w.address.length]), Buffer.from(w.address)]);
      for (const g of this.o.groupsOf(w.service)) {
        const gs = this.groups.get(g);
        const name = this.o.claName(w.service, g);
        const list = gs?.pending.get(name) ?? [];
        list.push({ k: w.k, cluster: w.cluster, needle });
        gs?.pending.set(name, list);
      }
    }
  }

  private onStore(group: string): void {
    const t = monotonicMs();
    this.admit(t);
    const gs = this.groups.get(group)!;
    const eds = this.h.cache.snapshot(group).types.get(EDS);
    if (!eds) return;
    if (!gs.versionSeq.has(eds.version)) gs.versionSeq.set(eds.version, ++gs.seq);
    const seq = gs.versionSeq.get(eds.version)!;
    for (const [name, list] of gs.pending) {
      const r = eds.resources.get(name);
      if (!r || gs.lastVersion.get(name) === r.version) continue;
      gs.lastVersion.set(name, r.version);
      const bytes = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      // Newest first: a write is in if its address is, or if a later write of its slice is.
      const seen = new Set<number>();
      const inCache: Pending[] = [];
      for (let i = list.length - 1; i >= 0; i--) {
        const p = list[i]!;
        if (!seen.has(p.cluster) && !bytes.includes(p.needle)) continue;
        seen.add(p.cluster);
        inCache.push(p);
        list.splice(i, 1);
      }
      for (const p of inCache.reverse()) {
        this.inCacheAt[p.k] = t;
        gs.reflected.push([p.k, seq]);
      }
      if (list.length === 0) gs.pending.delete(name);
    }
  }

  private onAck(group: string, node: string, version: string): void {
    const gs = this.groups.get(group);
    if (!gs || !gs.ack(node, version)) return;
    const t = monotonicMs();
    let i = 0;
    while (i < gs.reflected.length && gs.reflected[i]![1] <= gs.minSeq) {
      const k = gs.reflected[i++]![0];
      if (--this.groupsLeft[k]! === 0) {
        this.ackedAt[k] = t;
        if (--this.left === 0) this.resolveDone();
      }
    }
    gs.reflected.splice(0, i);
  }
}

export interface ChurnWindow {
  readonly fromS: number;
  readonly writes: number;
  readonly lagMs: ReturnType<typeof summary>;
}

export interface ChurnReport {
  readonly writes: number;
  readonly failed: number;
  readonly notAcked: number;
  /** Scheduled -> every gateway of the group ACKed. */
  readonly lagMs: ReturnType<typeof summary>;
  /** Scheduled -> the apiserver answered; scheduled -> in the controller's cache. */
  readonly apiserverMs: ReturnType<typeof summary>;
  readonly inCacheMs: ReturnType<typeof summary>;
  readonly windows: readonly ChurnWindow[];
  /** Most writes at once scheduled but not yet in the cache (the controller's backlog, apiserver included). */
  readonly maxNotInCache: number;
  /** Most writes at once scheduled but not yet ACKed by every gateway of their group. */
  readonly maxNotAcked: number;
  readonly achievedRatePerS: number;
  readonly tracker: ReturnType<ChurnTracker['diagnostics']>;
}

/** Most intervals [from, to) open at once (to = NaN: open until the end). */
export function maxOverlap(from: readonly number[], to: readonly number[]): number {
  const events: [number, number][] = [];
  from.forEach((f, i) => {
    events.push([f, 1]);
    const t = to[i]!;
    if (!Number.isNaN(t)) events.push([t, -1]);
  });
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (open += d));
  return max;
}

export function churnReport(
  p: ChurnPlan,
  startMs: number,
  times: ChurnTimes,
  t: ChurnTracker,
  windowS: number,
): ChurnReport {
  const n = churnWriteCount(p);
  const sched = Array.from({ length: n }, (_, k) => scheduledAt(p, startMs, k));
  const lag = (at: readonly number[]): number[] =>
    at.flatMap((x, k) => (Number.isNaN(x) ? [] : [x - sched[k]!]));
  const windows: ChurnWindow[] = [];
  for (let from = 0; from < p.seconds; from += windowS) {
    const ks = sched.flatMap((s, k) =>
      s - startMs >= from * 1000 && s - startMs < (from + windowS) * 1000 ? [k] : [],
    );
    const acked = ks.flatMap((k) => (Number.isNaN(t.ackedAt[k]!) ? [] : [t.ackedAt[k]! - sched[k]!]));
    windows.push({ fromS: from, writes: ks.length, lagMs: summary(acked) });
  }
  const sentSpan = (times.sent[n - 1]! - times.sent[0]!) / 1000;
  return {
    writes: n,
    failed: times.failed,
    notAcked: t.ackedAt.filter((x) => Number.isNaN(x)).length,
    lagMs: summary(lag(t.ackedAt)),
    apiserverMs: summary(lag(times.answered)),
    inCacheMs: summary(lag(t.inCacheAt)),
    windows,
    maxNotInCache: maxOverlap(sched, t.inCacheAt),
    maxNotAcked: maxOverlap(sched, t.ackedAt),
    achievedRatePerS: Math.round((n - 1) / Math.max(sentSpan, 1e-9)),
    tracker: t.diagnostics(),
  };
}
