/**
 * A small HTTP auth server for external auth tests (Envoy's ext_authz HTTP service, ingress-nginx's
 * `auth-url`): it records every check request it receives (method, path, headers) and answers each as a
 * hook decides (status, headers, body), e.g. 200 with an `X-Auth-User` for a good token, 401 otherwise.
 * Built on the echo backend's recorder.
 */
import { startEchoBackend, type EchoAnswer, type RecordedRequest } from './echo-backend.js';

/** The answer to a check request; a 2xx lets the client's request through the gateway. */
export interface AuthDecision {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface AuthServer {
  readonly address: string;
  readonly port: number;
  /** Every check request so far, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  reset(): void;
  close(): Promise<void>;
}

export async function startAuthServer(o: {
  readonly decide: (req: RecordedRequest) => AuthDecision;
  readonly address?: string;
}): Promise<AuthServer> {
  const server = await startEchoBackend({
    name: 'auth',
    ...(o.address !== undefined ? { address: o.address } : {}),
    respond: (req): EchoAnswer => {
      const d = o.decide(req);
      return {
        status: d.status,
        headers: { 'content-type': 'text/plain', ...d.headers },
        body: d.body ?? '',
      };
    },
  });
  return {
    address: server.address,
    port: server.port,
    get requests() {
      return server.requests;
    },
    reset: () => server.reset(),
    close: () => server.close(),
  };
}
