/**
 * A real Envoy gateway rejects config that passes Causeway's validation, in standalone mode:
 *
 * - the group's HTTPS port (the `https` listener, there because an Ingress asks for TLS) and
 * - the gateway port a TCP Service asks for
 *
 * are already held by another process on the gateway's host: neither listener can bind, and the LDS
 * update is NACKed with an error naming both. Causeway's validation cannot foresee this (it knows nothing
 * of the gateway host's sockets).
 *
 * The rejection is traced to the Ingress routed on the `https` listener and to the Service (log line,
 * /debug/diagnostics, the `causeway_gateway_rejected_objects` metric, /api/gateways), not to the Ingress
 * served on `http` only nor to the (valid) Secret; nothing is pushed again, not even after the gateway's
 * xDS connection drops and it reconnects (the pushes are counted), and fixing the input (the Ingress
 * without TLS, so the `https` listener goes away; the Service on a free port) clears every mark once the
 * gateway ACKs the later listener version. Freeing the port would not do: the same listener is not
 * pushed again (docs/nack.md). Run with Delta and with SotW.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runController, type RunningController } from '../../src/controller/app.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { httpGet } from '../support/http-client.js';
import {
  endpointSlice,
  generateCertificate,
  INGRESS_CLASS,
  service,
  tempDir,
  tlsSecret,
  writeAtomic,
  yamlDocs,
} from '../support/manifests.js';
import { freePorts } from '../support/ports.js';

/** Envoy's bind error for a listener on `port` (in its LDS NACK: `<listener name>: <this>`). */
const bindError = (port: number): string => `cannot bind '0.0.0.0:${port}': Address already in use`;

function ingress(name: string, host: string, tlsSecretName?: string): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default' },
    spec: {
      ...(tlsSecretName ? { tls: [{ hosts: [host], secretName: tlsSecretName }] } : {}),
      rules: [
        {
          host,
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  };
}

function tcpService(port: number): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kafka',
      namespace: 'default',
      annotations: { 'causeway.dev/gateway-tcp-port': String(port) },
    },
    spec: { ports: [{ name: 'kafka', port: 9092, targetPort: 9092 }] },
  };
}

/** A TCP proxy between the gateway and the xDS server, to cut the gateway's connection at will. */
class CuttableProxy {
  private readonly sockets = new Set<net.Socket>();
  private server!: net.Server;
  port = 0;
  cuts = 0;

  async start(target: number): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect({ host: '127.0.0.1', port: target });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Resets every open connection (the gateway sees its xDS stream fail and reconnects). */
  cut(): void {
    this.cuts++;
    for (const s of this.sockets) s.resetAndDestroy();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

class LogLines extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    for (const l of chunk.toString().split('\n'))
      if (l.trim()) this.lines.push(JSON.parse(l) as Record<string, unknown>);
    done();
  }
  withCode(code: string): Array<Record<string, unknown>> {
    return this.lines.filter((l) => l['code'] === code);
  }
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.each(['delta', 'sotw'] as const)('a gateway rejecting config (%s)', (protocol) => {
  let dir: string;
  let controller: RunningController | undefined;
  let gateway: EnvoyProcess | undefined;
  const proxy = new CuttableProxy();
  const logs = new LogLines();
  /** Hold the group's HTTPS port and the TCP Service's port, as another process on the host would. */
  const blockers: net.Server[] = [];
  let admin: string;
  let ports: { http: number; https: number; taken: number; free: number };

  const diagnostics = async (): Promise<
    Array<{ code: string; object: Record<string, string>; message: string }>
  > =>
    JSON.parse((await httpGet(`${admin}/debug/diagnostics`)).body) as Array<{
      code: string;
      object: Record<string, string>;
      message: string;
    }>;
  const nackDiagnostics = async (): Promise<Array<{ object: Record<string, string>; message: string }>> =>
    (await diagnostics()).filter((d) => d.code === 'CW_E_GATEWAY_NACK');
  const metric = async (re: RegExp): Promise<number[]> => {
    const text = (await httpGet(`${admin}/metrics`)).body;
    return text
      .split('\n')
      .filter((l) => re.test(l))
      .map((l) => Number(l.split(' ').pop()));
  };
  const pushes = async (type: string): Promise<number> =>
    (await metric(new RegExp(`^causeway_xds_pushes_total\\{group="default",type="${type}"\\}`))).reduce(
      (a, b) => a + b,
      0,
    );

  beforeAll(async () => {
    dir = tempDir('causeway-e2e-nack-');
    const [http, https, taken, free] = (await freePorts(4)) as [number, number, number, number];
    ports = { http, https, taken, free };
    for (const port of [https, taken]) {
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen({ host: '0.0.0.0', port }, resolve));
      blockers.push(blocker);
    }
    fs.writeFileSync(
      path.join(dir, 'app.yaml'),
      yamlDocs(
        INGRESS_CLASS,
        service('web'),
        endpointSlice('web', [{ address: '127.0.0.1', port: 1 }]),
        ingress('plain', 'plain.example.com'),
        tlsSecret('shop-tls', generateCertificate('shop.example.com')),
      ),
    );
    // The two objects the gateway rejects, in one file so that the fix is one atomic change.
    fs.writeFileSync(
      path.join(dir, 'rejected.yaml'),
      yamlDocs(ingress('shop', 'shop.example.com', 'shop-tls'), tcpService(taken)),
    );
    controller = await runController({
      manifests: dir,
      xdsAddress: '127.0.0.1:0',
      adminAddress: '127.0.0.1:0',
      httpPort: http,
      httpsPort: https,
      logLevel: 'info',
      logDestination: logs,
    });
    admin = `http://127.0.0.1:${controller.adminPort}`;
    await proxy.start(controller.xdsPort);
    gateway = await startEnvoy({
      name: `nack-${protocol}`,
      waitFor: 'admin',
      bootstrap: buildBootstrap({
        group: 'default',
        xdsHost: '127.0.0.1',
        xdsPort: proxy.port,
        nodeId: `nack-${protocol}`,
        adminPort: 0,
        xdsProtocol: protocol,
      }),
    });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await proxy.close();
    await controller?.stop();
    for (const blocker of blockers) await new Promise<void>((resolve) => blocker.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('traces the rejection to the Ingress on the https listener and to the Service: log, /debug/diagnostics, metric, /api/gateways', async () => {
    const found = await until('the NACK diagnostics', async () => {
      const d = await nackDiagnostics();
      return d.length >= 2 ? d : undefined;
    });
    // Not the Ingress served on `http` only, not the Secret (Envoy took it).
    expect(
      found.map((d) => `${d.object['kind']} ${d.object['namespace']}/${d.object['name']}`).sort(),
    ).toEqual(['Ingress default/shop', 'Service default/kafka']);
    const node = `nack-${protocol}`;
    const byKind = new Map(found.map((d) => [d.object['kind'], d.message]));
    // One LDS NACK whose error names both listeners; each object's diagnostic names its own listener.
    expect(byKind.get('Ingress')).toMatch(
      new RegExp(
        `^gateway ${node} \\(group default\\) rejected Listener https: Error adding/updating listener\\(s\\) `,
      ),
    );
    expect(byKind.get('Ingress')).toContain(`https: ${bindError(ports.https)}`);
    expect(byKind.get('Service')).toMatch(
      new RegExp(
        `^gateway ${node} \\(group default\\) rejected Listener tcp/${ports.taken}: .*cannot bind .*Address already in use`,
      ),
    );
    expect(byKind.get('Service')).toContain(`tcp/${ports.taken}: ${bindError(ports.taken)}`);

    const logged = logs.withCode('CW_E_GATEWAY_NACK');
    expect(logged.length).toBeGreaterThanOrEqual(1);
    expect(logged[0]).toMatchObject({
      level: 'warn',
      typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener',
      resources: ['https', `tcp/${ports.taken}`],
      objects: ['Ingress default/shop', 'Service default/kafka'],
      narrowed: true,
    });
    expect(logged.every((l) => l['level'] === 'warn')).toBe(true);

    expect(await metric(/^causeway_gateway_rejected_objects\{group="default",kind="Ingress"\}/)).toEqual([1]);
    expect(await metric(/^causeway_gateway_rejected_objects\{group="default",kind="Service"\}/)).toEqual([1]);
    expect(await metric(/^causeway_gateway_rejected_objects\{group="default",kind="Secret"\}/)).toEqual([]);

    const fleet = JSON.parse((await httpGet(`${admin}/api/gateways`)).body) as {
      groups: Array<{
        gateways: Array<{
          nodeId: string;
          status: string;
          types: Array<{ type: string; lastNack?: { message: string; objects?: unknown } }>;
        }>;
      }>;
    };
    const gw = fleet.groups.flatMap((g) => g.gateways).find((g) => g.nodeId === node);
    expect(gw?.status).toBe('rejecting');
    const listenerNack = gw?.types.find((t) => t.type === 'listener')?.lastNack;
    expect(listenerNack?.message).toContain(`https: ${bindError(ports.https)}`);
    expect(JSON.stringify(listenerNack?.objects)).toContain('shop');
    expect(gw?.types.find((t) => t.type === 'secret')?.lastNack).toBeUndefined();
    // The gateway still serves what it took: the http listener.
    await gateway!.waitForListener(ports.http);
  });

  it('never pushes the rejected versions again, not even after the gateway reconnects', async () => {
    const before = { secret: await pushes('secret'), listener: await pushes('listener') };
    const nacks = await metric(/^causeway_xds_nacks_total\{group="default"/);
    await sleep(1500);
    expect({ secret: await pushes('secret'), listener: await pushes('listener') }).toEqual(before);

    const opened = logs.lines.filter((l) => l['msg'] === 'gateway connected').length;
    proxy.cut();
    await until('the gateway to reconnect', () =>
      logs.lines.filter((l) => l['msg'] === 'gateway connected').length > opened ? true : undefined,
    );
    await sleep(2500);
    expect({ secret: await pushes('secret'), listener: await pushes('listener') }).toEqual(before);
    expect(await metric(/^causeway_xds_nacks_total\{group="default"/)).toEqual(nacks);
    // The reconnected gateway still runs without the rejected listeners: the marks stay.
    expect((await nackDiagnostics()).length).toBe(2);
  }, 30_000);

  it('fixing the Ingress alone clears its mark; the Service stays rejected until it is fixed too', async () => {
    // The Ingress without TLS (the group's https listener goes away); the Service still on the taken port.
    writeAtomic(
      path.join(dir, 'rejected.yaml'),
      yamlDocs(ingress('shop', 'shop.example.com'), tcpService(ports.taken)),
    );
    const blamed = async (): Promise<string[]> =>
      (await nackDiagnostics()).map((d) => `${d.object.kind} ${d.object.name}`).sort();
    await until('the Ingress mark to clear', async () => {
      const now = await blamed();
      return now.length === 1 ? now : undefined;
    });
    // Delta: the ACK vouched for the https removal only. SotW: tcp/<port> was sent and rejected again.
    await sleep(1_000);
    expect(await blamed()).toEqual(['Service kafka']);
  }, 30_000);

  it('fixing the Service too pushes a new listener version; once the gateway ACKs it every mark clears', async () => {
    writeAtomic(
      path.join(dir, 'rejected.yaml'),
      yamlDocs(ingress('shop', 'shop.example.com'), tcpService(ports.free)),
    );
    await until('the marks to clear', async () =>
      (await nackDiagnostics()).length === 0 ? true : undefined,
    );
    await gateway!.waitForListener(ports.free);
    expect(await metric(/^causeway_gateway_rejected_objects\{/)).toEqual([]);
    const cleared = logs.lines.filter(
      (l) => l['msg'] === 'gateway accepted a later version; its rejection is cleared',
    );
    expect(cleared).toHaveLength(1);
    expect(cleared[0]).toMatchObject({
      typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener',
      objects: ['Service default/kafka'],
    });
  }, 30_000);
});
