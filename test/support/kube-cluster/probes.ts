/**
 * Readiness probes as the kubelet runs them, for the node agent: `httpGet` (any 2xx/3xx), `tcpSocket`
 * (a connection opens) and `exec` (exit 0 inside the Pod's network namespace), with
 * initialDelaySeconds / periodSeconds / timeoutSeconds / successThreshold / failureThreshold and the
 * kubelet's defaults. A container with no readinessProbe is ready while it runs.
 */
import http from 'node:http';
import net from 'node:net';
import type { V1Container, V1Probe } from '@kubernetes/client-node';

/** Runs a command in the Pod's namespace; resolves to its exit code (null when killed). */
export type ExecInPod = (cmd: string, args: readonly string[], timeoutMs: number) => Promise<number | null>;

export interface ProbeTiming {
  readonly initialDelayMs: number;
  readonly periodMs: number;
  readonly timeoutMs: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

/** The probe's timing with the kubelet's defaults (0 s delay, 10 s period, 1 s timeout, 1 / 3). */
export function probeTiming(p: V1Probe): ProbeTiming {
  return {
    initialDelayMs: (p.initialDelaySeconds ?? 0) * 1000,
    periodMs: Math.max(1, p.periodSeconds ?? 10) * 1000,
    timeoutMs: Math.max(1, p.timeoutSeconds ?? 1) * 1000,
    successThreshold: Math.max(1, p.successThreshold ?? 1),
    failureThreshold: Math.max(1, p.failureThreshold ?? 3),
  };
}

/** A port given by number or by the name of one of the container's ports. */
export function resolvePort(container: V1Container, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function httpCheck(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { headers, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function tcpCheck(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** One probe attempt against the Pod at `podIP`; false on failure, also for probe kinds not supported. */
export async function probeOnce(
  p: V1Probe,
  container: V1Container,
  podIP: string,
  exec: ExecInPod,
): Promise<boolean> {
  const { timeoutMs } = probeTiming(p);
  if (p.httpGet) {
    const port = resolvePort(container, p.httpGet.port as number | string);
    if (port === undefined || (p.httpGet.scheme ?? 'HTTP').toUpperCase() !== 'HTTP') return false;
    const url = new URL(`http://${p.httpGet.host ?? podIP}:${String(port)}`);
    url.pathname = p.httpGet.path ?? '/';
    const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.34' };
    for (const h of p.httpGet.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value;
    return httpCheck(url, headers, timeoutMs);
  }
  if (p.tcpSocket) {
    const port = resolvePort(container, p.tcpSocket.port as number | string);
    return port !== undefined && tcpCheck(p.tcpSocket.host ?? podIP, port, timeoutMs);
  }
  const command = p.exec?.command ?? [];
  if (command.length > 0) return (await exec(command[0]!, command.slice(1), timeoutMs)) === 0;
  return false;
}

/** Counts consecutive results into a readiness verdict (successThreshold / failureThreshold). */
export class ReadinessCounter {
  private ready = false;
  private successes = 0;
  private failures = 0;
  constructor(private readonly timing: ProbeTiming) {}
  /** Records one result; returns the readiness after it. */
  record(ok: boolean): boolean {
    if (ok) {
      this.failures = 0;
      this.successes++;
      if (this.successes >= this.timing.successThreshold) this.ready = true;
    } else {
      this.successes = 0;
      this.failures++;
      if (this.failures >= this.timing.failureThreshold) this.ready = false;
    }
    return this.ready;
  }
  get value(): boolean {
    return this.ready;
  }
}
