/**
 * `causeway gateway`: the command group for running dedicated Envoy gateways. Its subcommand
 * (`bootstrap`, gateway-bootstrap.command.ts) checks its flags with the bootstrap builder, which loads
 * the YAML library; so it is registered only when the command line names `gateway`, and `causeway
 * --help` and the other commands start without it.
 */
import type { Command } from 'commander';
import { gatewayGroup } from './gateway-group.js';

/** The command the arguments (after node and the script) name: `x` in `causeway x ...` and `causeway help x`. */
export function namedCommand(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/** Registers `causeway gateway`, and its subcommands when `args` name it. */
export async function registerGatewayGroup(program: Command, args: readonly string[]): Promise<void> {
  gatewayGroup(program);
  if (namedCommand(args) !== 'gateway') return;
  const { registerGatewayCommand } = await import('./gateway-bootstrap.command.js');
  registerGatewayCommand(program);
}
