/** The `causeway` command line. Each command lives in its own `*.command.ts` file. */
import { Command } from 'commander';
import { registerControllerCommand } from './controller.command.js';
import { registerGatewayCommand } from './gateway-bootstrap.command.js';
import { registerGatewaysCommand } from './gateways.command.js';
import { registerPlanCommand } from './plan.command.js';
import { registerTranslateCommand } from './translate.command.js';
import { registerVmCommand } from './vm.command.js';

export function buildProgram(): Command {
  const program = new Command('causeway')
    .description('Causeway: an ingress controller that programs dedicated Envoy gateway fleets over xDS.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions();
  registerControllerCommand(program);
  registerTranslateCommand(program);
  registerGatewayCommand(program);
  registerGatewaysCommand(program);
  registerVmCommand(program);
  registerPlanCommand(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
