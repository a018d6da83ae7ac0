/** Free TCP ports on 127.0.0.1 for tests (the kernel picks them; they are released before returning). */
import net from 'node:net';

function listenEphemeral(host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => resolve(server));
  });
}

function closeServer(server: net.Server): Promise<number> {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve(port))));
}

/** One free port on `host` (default 127.0.0.1). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return closeServer(await listenEphemeral(host));
}

/** `count` distinct free ports on `host`, all held open together while they are picked. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenEphemeral(host));
  } catch (err) {
    await Promise.allSettled(servers.map(closeServer));
    throw err;
  }
  return Promise.all(servers.map(closeServer));
}

/** A port held for a test that stands for "the service is down": every connection is reset at once. */
export interface RefusingPort {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A "dead" port that stays reserved: a port from `freePort` that nothing listens on can be taken by another
 * test running in parallel (it once answered an auth check with an admin server's 421). This one listens,
 * so nobody else gets it, and resets each connection, which a client sees as the service being down.
 */
export async function refusingPort(host = '127.0.0.1'): Promise<RefusingPort> {
  const server = await listenEphemeral(host);
  server.on('connection', (socket) => socket.resetAndDestroy());
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { port, close: async () => void (await closeServer(server)) };
}
