/**
 * A real gRPC echo server and client for end-to-end tests (@grpc/grpc-js, the service of
 * `grpc-echo/echo.proto` loaded with @grpc/proto-loader). Every method answers with the backend's name,
 * the method it ran and the request metadata it saw; the server records each call. The server speaks
 * cleartext HTTP/2 (h2c with prior knowledge), as a gateway's HTTP/2 cluster does.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO = path.join(path.dirname(fileURLToPath(import.meta.url)), 'grpc-echo', 'echo.proto');
export const ECHO_SERVICE = 'causeway.test.echo.Echo';
export const ECHO_METHODS = ['Say', 'Shout', 'Whisper', 'Unrouted'] as const;
export type EchoMethod = (typeof ECHO_METHODS)[number];

export interface EchoReply {
  readonly backend: string;
  readonly method: string;
  readonly message: string;
  readonly metadata: Record<string, string>;
}

interface EchoRequest {
  readonly message: string;
}

export interface GrpcEchoServer {
  readonly name: string;
  readonly port: number;
  /** `<method>` of every call so far, in arrival order. */
  readonly calls: readonly string[];
  close(): Promise<void>;
}

function echoService(): grpc.ServiceDefinition {
  const def = protoLoader.loadSync(PROTO, { keepCase: true, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    causeway: { test: { echo: { Echo: grpc.ServiceClientConstructor } } };
  };
  return pkg.causeway.test.echo.Echo.service;
}

/** Starts a gRPC echo named `name` on a free loopback port. */
export async function startGrpcEcho(name: string): Promise<GrpcEchoServer> {
  const server = new grpc.Server();
  const calls: string[] = [];
  const handler =
    (method: EchoMethod): grpc.handleUnaryCall<EchoRequest, EchoReply> =>
    (call, done) => {
      calls.push(method);
      const metadata: Record<string, string> = {};
      for (const [k, v] of Object.entries(call.metadata.getMap())) metadata[k] = String(v);
      done(null, { backend: name, method, message: call.request.message, metadata });
    };
  server.addService(echoService(), Object.fromEntries(ECHO_METHODS.map((m) => [m, handler(m)])));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    name,
    port,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}

/** The outcome of one unary call: the reply or the gRPC status, and the response headers. */
export interface EchoOutcome {
  readonly code: grpc.status;
  readonly details?: string;
  readonly reply?: EchoReply;
  /** Response headers (initial metadata), first value of each. */
  readonly headers: Record<string, string>;
}

type UnaryMethod = (
  req: EchoRequest,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, reply?: EchoReply) => void,
) => grpc.ClientUnaryCall;

export interface GrpcEchoClient {
  call(method: EchoMethod, metadata?: Record<string, string>): Promise<EchoOutcome>;
  close(): void;
}

/**
 * A client of `address` (host:port) sending `authority` as :authority (the hostname routes match): h2c,
 * or with `ca` (PEM) TLS whose SNI and verified name are `authority`.
 */
export function grpcEchoClient(address: string, authority: string, ca?: string): GrpcEchoClient {
  const Client = grpc.makeGenericClientConstructor(echoService(), 'Echo');
  const creds = ca ? grpc.credentials.createSsl(Buffer.from(ca)) : grpc.credentials.createInsecure();
  const client = new Client(address, creds, {
    'grpc.default_authority': authority,
    ...(ca ? { 'grpc.ssl_target_name_override': authority } : {}),
  });
  return {
    call(method, metadata = {}) {
      const md = new grpc.Metadata();
      for (const [k, v] of Object.entries(metadata)) md.set(k, v);
      return new Promise((resolve) => {
        const headers: Record<string, string> = {};
        const fn = (client as unknown as Record<string, UnaryMethod>)[method]!.bind(client);
        const call = fn({ message: 'hello' }, md, { deadline: Date.now() + 10_000 }, (err, reply) =>
          resolve(
            err
              ? { code: err.code, details: err.details, headers }
              : { code: grpc.status.OK, reply: reply!, headers },
          ),
        );
        call.on('metadata', (m: grpc.Metadata) => {
          for (const [k, v] of Object.entries(m.getMap())) headers[k] = String(v);
        });
      });
    },
    close: () => client.close(),
  };
}
