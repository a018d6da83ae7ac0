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
