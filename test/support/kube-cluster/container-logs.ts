/**
 * A container's log as the node agent keeps it: every stdout / stderr line with the time it was read
 * (the kubelet's CRI log records), bounded to the newest MAX_LOG_BYTES, and the kubelet's reading of
 * it for `GET /containerLogs/...`: `sinceTime` / `sinceSeconds` (lines at or after), `tailLines`,
 * `timestamps` (an RFC 3339 prefix with nanosecond precision trimmed, as Go's RFC3339Nano),
 * `limitBytes` and `stream` (All, Stdout, Stderr). `follow` and `previous` are not supported: a read
 * is a snapshot of the log so far, across the container's restarts.
 */

export type LogStream = 'stdout' | 'stderr';

export interface LogRecord {
  readonly time: Date;
  readonly stream: LogStream;
  /** The line without its newline; `partial` when the process exited mid-line. */
  readonly text: string;
  readonly partial: boolean;
}

/** The newest bytes kept per container (the kubelet rotates at 10 MiB by default). */
export const MAX_LOG_BYTES = 10 * 1024 * 1024;

export class ContainerLog {
  private readonly records: LogRecord[] = [];
  private bytes = 0;
  private readonly pending: Record<LogStream, string> = { stdout: '', stderr: '' };

  constructor(private readonly maxBytes = MAX_LOG_BYTES) {}

  /** Adds what the process wrote; complete lines become records, a trailing partial line waits. */
  write(stream: LogStream, chunk: string, time: Date = new Date()): void {
    const parts = (this.pending[stream] + chunk).split('\n');
    this.pending[stream] = parts.pop() ?? '';
    for (const text of parts) this.push({ time, stream, text, partial: false });
  }

  /** The process is gone: a line it did not finish is kept as it is. */
  flush(time: Date = new Date()): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.pending[stream] !== '') this.push({ time, stream, text: this.pending[stream], partial: true });
      this.pending[stream] = '';
    }
  }

  /** All records kept, oldest first. */
  all(): readonly LogRecord[] {
    return this.records;
  }

  /** The last `n` lines' text (for diagnostics). */
  lastLines(n: number): string {
    return this.records
      .slice(-n)
      .map((r) => r.text)
      .join('\n');
  }

  private push(record: LogRecord): void {
    this.records.push(record);
    this.bytes += record.text.length + 1;
    let drop = 0;
    while (this.bytes > this.maxBytes && drop < this.records.length - 1) {
      this.bytes -= this.records[drop]!.text.length + 1;
      drop++;
    }
    this.records.splice(0, drop);
  }
}

/** The parameters of a kubelet log read (the apiserver's PodLogOptions as query parameters). */
export interface LogQuery {
  readonly since?: Date;
  readonly tailLines?: number;
  readonly limitBytes?: number;
  readonly timestamps: boolean;
  readonly streams: ReadonlySet<LogStream>;
}

function nonNegativeInt(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

/** Reads the query of `/containerLogs/...`; throws with a message for a bad value (a 400). */
export function parseLogQuery(params: URLSearchParams, now: Date = new Date()): LogQuery {
  let since: Date | undefined;
  const sinceTime = params.get('sinceTime');
  if (sinceTime !== null) {
    since = new Date(sinceTime);
    if (Number.isNaN(since.getTime())) throw new Error(`sinceTime is not RFC 3339: "${sinceTime}"`);
  }
  const sinceSeconds = nonNegativeInt(params, 'sinceSeconds');
  if (sinceSeconds !== undefined) since = new Date(now.getTime() - sinceSeconds * 1000);
  const stream = params.get('stream') ?? 'All';
  const streams: Record<string, readonly LogStream[]> = {
    All: ['stdout', 'stderr'],
    Stdout: ['stdout'],
    Stderr: ['stderr'],
  };
  if (!(stream in streams)) throw new Error(`stream must be All, Stdout or Stderr, got "${stream}"`);
  return {
    ...(since ? { since } : {}),
    ...optional('tailLines', nonNegativeInt(params, 'tailLines')),
    ...optional('limitBytes', nonNegativeInt(params, 'limitBytes')),
    timestamps: params.get('timestamps') === 'true',
    streams: new Set(streams[stream]),
  };
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

/** `2026-12-08T06:01:12.1Z`: Go's time.RFC3339Nano (fraction without trailing zeros) in UTC. */
export function rfc3339Nano(time: Date): string {
  return time.toISOString().replace(/\.?0+Z$/, 'Z');
}

/** The log text a kubelet returns for `query`: tail, then since, then timestamps and the byte limit. */
export function readLog(records: readonly LogRecord[], query: LogQuery): string {
  const ofStreams = records.filter((r) => query.streams.has(r.stream));
  const tail =
    query.tailLines === undefined ? ofStreams : ofStreams.slice(ofStreams.length - query.tailLines);
  const since = query.since;
  const lines = tail
    .filter((r) => since === undefined || r.time.getTime() >= since.getTime())
    .map((r) => `${query.timestamps ? `${rfc3339Nano(r.time)} ` : ''}${r.text}${r.partial ? '' : '\n'}`);
  const text = lines.join('');
  if (query.limitBytes === undefined) return text;
  return Buffer.from(text).subarray(0, query.limitBytes).toString();
}
