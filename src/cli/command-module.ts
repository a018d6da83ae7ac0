import type { Command } from 'commander';

/** Every CLI command lives in its own `*.command.ts` file and registers itself on the root program. */
export type RegisterCommand = (program: Command) => void;
