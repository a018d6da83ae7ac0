/**
 * How CLI commands are declared. Every command lives in its own `*.command.ts` file, which registers its
 * name, description and flags on the root program and imports nothing heavy; what the command does lives
 * in a module loaded with `import()` only when the command runs (`lazyAction`), so that `causeway --help`
 * and the other commands start without the AWS SDK, the Kubernetes client, fastify or gRPC.
 */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

/** A commander action that loads its implementation when the command runs, then calls it. */
export function lazyAction<A extends unknown[]>(
  load: () => Promise<(...args: A) => unknown>,
): (...args: A) => Promise<void> {
  return async (...args: A): Promise<void> => {
    const action = await load();
    await action(...args);
  };
}
