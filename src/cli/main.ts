/**
 * The `causeway` command line. Each command lives in its own `*.command.ts` file, which declares its
 * flags cheaply and loads what the command does only when it runs (command-module.ts), so that
 * `causeway --help` starts in well under 150 ms.
 *
 * Exit statuses: 0 success (and --help, --version); 2 usage or configuration errors (a missing or unknown
 * flag or argument, a bad value, a CausewayError such as a missing manifests folder); 1 anything else
 * (including the documented "diagnostics of severity error" and "AWS/admin API unreachable" cases).
 */
import { Command, CommanderError } from 'commander';
import { reportCommandError } from './cli-errors.js';
import { registerControllerCommand } from './controller.command.js';
import { registerGatewayGroup } from './gateway.command.js';
import { registerGatewaysCommand } from './gateways.command.js';
import { registerPlanCommand } from './plan.command.js';
import { registerTranslateCommand } from './translate.command.js';
import { registerVmCommand } from './vm.command.js';

/** The program for these arguments (the `gateway` subcommands are registered only when they name it). */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('causeway')
    .description(
      'Causeway: an ingress controller that programs dedicated Envoy gateway fleets over xDS, or AWS ALBs with pod IPs.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions()
    // Commander reports usage errors itself; they throw here (inherited by every subcommand) so that
    // runCli can give them exit status 2.
    .exitOverride();
  registerControllerCommand(program);
  registerTranslateCommand(program);
  await registerGatewayGroup(program, argv.slice(2));
  registerGatewaysCommand(program);
  registerVmCommand(program);
  registerPlanCommand(program);
  return program;
}

/** Runs the command line; sets `process.exitCode` (see the top of this file) instead of exiting. */
export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    await (await buildProgram(argv)).parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Already printed by commander. A command's own `this.error(...)` keeps the status it chose;
      // commander's usage errors (unknown option, missing argument, bad choice, ...) exit 2.
      const chosenByCommand = err.code === 'commander.error' || !err.code.startsWith('commander.');
      process.exitCode = err.exitCode === 0 || chosenByCommand ? err.exitCode : 2;
      return;
    }
    reportCommandError(err);
  }
}

await runCli(process.argv);
