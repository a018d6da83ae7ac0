/**
 * Child-process entry of the benchmark's simulated gateways (see simulated-gateways.ts): runs one
 * GatewayFleet and answers the benchmark's commands over the IPC channel. Exits when told to close or
 * when the benchmark goes away.
 */
import { GatewayFleet, type FleetCommand, type FleetReply } from './simulated-gateways.js';

let fleet: GatewayFleet | undefined;

function reply(m: FleetReply): void {
  process.send?.(m);
}

process.on('message', (m: FleetCommand) => {
  try {
    if (m.cmd === 'start') {
      fleet = new GatewayFleet(m.options);
      fleet.start();
      reply({ reply: 'started' });
    } else if (m.cmd === 'stats') {
      if (!fleet) throw new Error('not started');
      reply({ reply: 'stats', stats: fleet.stats() });
    } else if (m.cmd === 'close') {
      fleet?.close();
      reply({ reply: 'closed' });
      process.disconnect();
      setTimeout(() => process.exit(0), 50);
    }
  } catch (err) {
    reply({ reply: 'error', message: (err as Error).message });
  }
});

process.on('disconnect', () => setTimeout(() => process.exit(0), 50));
