/**
 * A small HTTP proxy in front of moto that injects AWS faults, for the ALB fault and readiness-gate
 * tests: ELBv2/EC2 speak the query protocol (`Action=...` in a form body), ACM JSON (`X-Amz-Target`).
 * For each request the test's `decide` says what to do:
 *   - `pass`: forward to moto (optionally rewriting the answer with `rewrite`);
 *   - `throttle`: answer 400 with the ELBv2 `Throttling` error XML, as AWS does past a rate limit;
 *   - `error500`: answer 500 `InternalFailure`;
 *   - `reset`: destroy the socket without an answer (a network error);
 *   - `lost`: forward to moto (the change happens) but answer 500: the caller never learns the result,
 *     as when the controller dies right after AWS did the call.
 * It records every request's action (and what it did), so tests count calls independently of the
 * controller's own metrics. A forwarded request whose connection to moto fails is answered with a reset
 * and recorded with `upstreamError` (moto trouble, not a scripted fault: tests check there is none).
 * Connections from the SDK stay open for the proxy's whole life (no idle timeout), so the proxy never
 * closes a keep-alive socket just as the SDK reuses it, which would be a network error no script decided.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultDecision = 'pass' | 'throttle' | 'error500' | 'reset' | 'lost';

export interface ProxiedCall {
  readonly action: string;
  readonly params: URLSearchParams;
  /** What the proxy did. */
  readonly decision: FaultDecision;
  /** Set when a forwarded request could not reach moto (the caller then saw a reset). */
  upstreamError?: string;
}

export interface AwsFaultProxyOptions {
  /** moto's URL, e.g. `http://127.0.0.1:5000`. */
  readonly target: string;
  readonly decide?: (action: string, params: URLSearchParams, seen: readonly ProxiedCall[]) => FaultDecision;
  /** Rewrites moto's answer body of a passed request. */
  readonly rewrite?: (action: string, params: URLSearchParams, body: string) => string;
}

export interface AwsFaultProxy {
  readonly url: string;
  readonly calls: ProxiedCall[];
  /** Calls by action (all decisions). */
  count(action?: string): number;
  close(): Promise<void>;
}

/** Actions that change AWS state (anything that is not Describe*, List*, Get*). */
export function isMutatingAction(action: string): boolean {
  return !/^(Describe|List|Get)/.test(action) && action !== '';
}

const THROTTLING_XML =
  '<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><Error><Type>Sender</Type>' +
  '<Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>';
const INTERNAL_XML =
  '<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><Error><Type>Receiver</Type>' +
  '<Code>InternalFailure</Code><Message>injected 500</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>';

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startAwsFaultProxy(o: AwsFaultProxyOptions): Promise<AwsFaultProxy> {
  const target = new URL(o.target);
  const calls: ProxiedCall[] = [];
  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const amzTarget = req.headers['x-amz-target'];
      const params = amzTarget ? new URLSearchParams() : new URLSearchParams(body.toString('utf8'));
      const action =
        typeof amzTarget === 'string' ? (amzTarget.split('.').pop() ?? '') : (params.get('Action') ?? '');
      const decision = o.decide?.(action, params, calls) ?? 'pass';
      const call: ProxiedCall = { action, params, decision };
      calls.push(call);
      if (decision === 'reset') {
        req.socket.destroy();
        return;
      }
      if (decision === 'throttle' || decision === 'error500') {
        res.writeHead(decision === 'throttle' ? 400 : 500, { 'content-type': 'text/xml' });
        res.end(decision === 'throttle' ? THROTTLING_XML : INTERNAL_XML);
        return;
      }
      const upstream = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host, 'content-length': String(body.length) },
        },
        (up) => {
          void readBody(up).then((answer) => {
            if (decision === 'lost') {
              res.writeHead(500, { 'content-type': 'text/xml' });
              res.end(INTERNAL_XML);
              return;
            }
            let text = answer.toString('utf8');
            if (o.rewrite) text = o.rewrite(action, params, text);
            const headers = { ...up.headers, 'content-length': String(Buffer.byteLength(text)) };
            delete headers['transfer-encoding'];
            res.writeHead(up.statusCode ?? 502, headers);
            res.end(text);
          });
        },
      );
      upstream.on('error', (err) => {
        call.upstreamError = err.message;
        req.socket.destroy();
      });
      upstream.end(body);
    })().catch(() => req.socket.destroy());
  });
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    count: (action) => (action ? calls.filter((c) => c.action === action).length : calls.length),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
