/** Runs `fn` once and shares its promise; a failure is not cached (the next call tries again). */
export function memoizeAsync<T>(fn: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= fn().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
