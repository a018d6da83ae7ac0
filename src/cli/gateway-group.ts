/** The `gateway` command group, shared by gateway.command.ts (which registers it) and its subcommands. */
import type { Command } from 'commander';

/** The `gateway` command of the program, registered here if no module did it first. */
export function gatewayGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'gateway') ??
    program.command('gateway').description('Commands for running dedicated Envoy gateways')
  );
}
