/** The errors an apply stops with: a failing change, and a stable name taken by a resource not ours. */
import type { AlbChange } from '../model/alb-model.js';

/** An apply stopped at a change; the changes before it are applied (the next run re-reads and goes on). */
export class AlbApplyError extends Error {
  override readonly name = 'AlbApplyError';
  constructor(
    readonly group: string,
    readonly index: number,
    readonly change: AlbChange,
    override readonly cause: unknown,
  ) {
    super(
      `${group}: change ${index + 1} (${change.op}) failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

/** A resource with the stable name we need exists and is not ours: we leave it alone. */
export class AlbNameConflictError extends Error {
  override readonly name = 'AlbNameConflictError';
}
