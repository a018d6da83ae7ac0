/**
 * A real OTLP receiver for the tracing tests: the OpenTelemetry Collector's own `otlpreceiver` (OTLP over
 * gRPC) in a small program (test/support/otlp-receiver/main.go, built once by its build.sh and cached
 * under ~/.cache/causeway/otlp-receiver-<version>/) that prints every span batch it receives as one line
 * of OTLP JSON. This helper starts it on a free loopback port and turns those lines into flat spans.
 *
 *   const otlp = await startOtlpReceiver();
 *   ... send traffic through a gateway whose tracing collector is 127.0.0.1:<otlp.port> ...
 *   const spans = await otlp.waitForSpans((s) => s.some((x) => x.traceId === id));
 *   await otlp.stop();
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { memoizeAsync } from '../../src/util/memoize-async.js';
import { freePort } from './ports.js';

/** One received span, flattened: its resource's attributes next to its own. */
export interface ReceivedSpan {
  /** Lowercase hex, 32 digits. */
  readonly traceId: string;
  /** Lowercase hex, 16 digits. */
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP's SpanKind number (2: server, 3: client). */
  readonly kind: number;
  /** The resource's `service.name`. */
  readonly serviceName: string;
  /** String forms of the span's attribute values. */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface OtlpReceiver {
  readonly port: number;
  /** Every span received so far, in arrival order. */
  spans(): readonly ReceivedSpan[];
  /** Resolves with all spans once `done` holds for them; rejects after `timeoutMs`. */
  waitForSpans(
    done: (spans: readonly ReceivedSpan[]) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedSpan[]>;
  stop(): Promise<void>;
}

/** The receiver binary, built by its build.sh when missing (memoized per process). */
export const ensureOtlpReceiver: () => Promise<string> = memoizeAsync(async () => {
  const script = path.join(projectRoot(), 'test', 'support', 'otlp-receiver', 'build.sh');
  const r = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${script} failed (exit ${String(r.status)})`);
  const lines = r.stdout.trim().split('\n');
  return lines[lines.length - 1]!;
});

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

interface OtlpValue {
  readonly stringValue?: string;
  readonly intValue?: string | number;
  readonly boolValue?: boolean;
  readonly doubleValue?: number;
}
interface OtlpAttribute {
  readonly key: string;
  readonly value?: OtlpValue;
}
interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind?: number;
  readonly attributes?: readonly OtlpAttribute[];
}
interface OtlpBatch {
  readonly resourceSpans?: readonly {
    readonly resource?: { readonly attributes?: readonly OtlpAttribute[] };
    readonly scopeSpans?: readonly { readonly spans?: readonly OtlpSpan[] }[];
  }[];
}

function attributeMap(attrs: readonly OtlpAttribute[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of attrs ?? []) {
    const v = a.value ?? {};
    const s = v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
    out[a.key] = s === undefined ? '' : String(s);
  }
  return out;
}

/** The spans of one OTLP JSON line (the collector's JSON writes trace and span ids as hex). */
export function spansOfBatch(line: string): ReceivedSpan[] {
  const batch = JSON.parse(line) as OtlpBatch;
  return (batch.resourceSpans ?? []).flatMap((rs) => {
    const serviceName = attributeMap(rs.resource?.attributes)['service.name'] ?? '';
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        traceId: s.traceId.toLowerCase(),
        spanId: s.spanId.toLowerCase(),
        parentSpanId: (s.parentSpanId ?? '').toLowerCase(),
        name: s.name,
        kind: s.kind ?? 0,
        serviceName,
        attributes: attributeMap(s.attributes),
      })),
    );
  });
}

/** Starts the receiver on 127.0.0.1 with a free port; resolves once it listens. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const bin = await ensureOtlpReceiver();
  const port = await freePort();
  const child = spawn(bin, ['-grpc', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const received: ReceivedSpan[] = [];
  let stderr = '';
  let pending = '';
  let ready: () => void = () => undefined;
  const listening = new Promise<void>((resolve) => (ready = resolve));
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.stdout!.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('ready ')) ready();
      else if (line.trim() !== '') received.push(...spansOfBatch(line));
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000).unref());
  const outcome = await Promise.race([
    listening.then(() => 'ready' as const),
    exited.then(() => 'exit' as const),
    timeout,
  ]);
  if (outcome !== 'ready') {
    child.kill('SIGKILL');
    live.delete(child);
    throw new Error(`the OTLP receiver did not start (${outcome}): ${stderr}`);
  }
  return {
    port,
    spans: () => [...received],
    async waitForSpans(done, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(received)) {
        if (Date.now() > deadline)
          throw new Error(
            `spans not received in ${timeoutMs} ms; got ${JSON.stringify(received)}\n${stderr}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
      return [...received];
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      live.delete(child);
    },
  };
}
