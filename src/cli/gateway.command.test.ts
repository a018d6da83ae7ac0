import { Command } from 'commander';
import { namedCommand, registerGatewayGroup } from './gateway.command.js';

describe('namedCommand', () => {
  it('is the first word, or the word after help', () => {
    expect(namedCommand(['gateway', 'bootstrap', '--group', 'g'])).toBe('gateway');
    expect(namedCommand(['help', 'gateway'])).toBe('gateway');
    expect(namedCommand(['--help'])).toBeUndefined();
    expect(namedCommand(['translate', '-f', 'gateway'])).toBe('translate');
  });
});

describe('registerGatewayGroup', () => {
  it('registers the bootstrap subcommand only when the arguments name gateway', async () => {
    const bare = new Command('causeway');
    await registerGatewayGroup(bare, ['--help']);
    expect(bare.commands.map((c) => c.name())).toEqual(['gateway']);
    expect(bare.commands[0]!.commands).toEqual([]);
    const full = new Command('causeway');
    await registerGatewayGroup(full, ['gateway', 'bootstrap', '--help']);
    expect(full.commands.map((c) => c.name())).toEqual(['gateway']);
    expect(full.commands[0]!.commands.map((c) => c.name())).toEqual(['bootstrap']);
  });
});
