/**
 * Memoizes a pure function of one object by the object's identity (a WeakMap: an entry goes when its
 * object does). For expensive reads of immutable inputs that the same translation, or the next one,
 * asks for again: store objects are replaced on change, never mutated, so identity means same content.
 */
export function memoizeByObject<K extends object, V>(fn: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  return (key) => {
    if (cache.has(key)) return cache.get(key) as V;
    const value = fn(key);
    cache.set(key, value);
    return value;
  };
}
