/**
 * A parsed YAML document to plain JavaScript in one walk, with the duplicate-key check on the way. This
 * is what `Document.toJS()` and yaml-unique-keys.ts give together (the same values, the same messages),
 * at a fraction of their cost for what manifests hold: maps, sequences and scalars. A document with
 * anything else (an alias, a `<<` merge key, a complex or tagged key, a tagged collection, a pair in a
 * sequence, an unusual scalar) is left to the library: the walk says so and the caller uses toJS.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import { duplicateKeyErrors } from './yaml-unique-keys.js';

/** Thrown inside the walk when the document needs the library's own conversion. */
const NEEDS_LIBRARY = Symbol('needs the yaml library');

/** The result of the walk: the value and the duplicate keys' messages, in document order. */
export interface PlainDocument {
  readonly value: unknown;
  readonly duplicateKeys: readonly string[];
}

type Scalarish = string | number | boolean | null;

function scalarValue(v: unknown): Scalarish {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return v;
  throw NEEDS_LIBRARY;
}

/** The key as `yaml` turns it into an object key (null is ''). */
function stringKey(v: Scalarish): string {
  return v === null ? '' : String(v);
}

class Walk {
  /** Offsets of the keys that repeat an earlier key of their mapping. */
  readonly duplicates: number[] = [];

  value(node: unknown): unknown {
    if (node === null || node === undefined) return null;
    if (isScalar(node)) return scalarValue(node.value);
    if (isMap(node)) {
      if (node.tag !== undefined && node.tag !== 'tag:yaml.org,2002:map') throw NEEDS_LIBRARY;
      return this.map(node.items as readonly Pair<unknown, unknown>[]);
    }
    if (isSeq(node)) {
      if (node.tag !== undefined && node.tag !== 'tag:yaml.org,2002:seq') throw NEEDS_LIBRARY;
      return node.items.map((item) => {
        if (item !== null && !isScalar(item) && !isMap(item) && !isSeq(item)) throw NEEDS_LIBRARY;
        return this.value(item);
      });
    }
    throw NEEDS_LIBRARY;
  }

  private map(items: readonly Pair<unknown, unknown>[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const pair of items) {
      const key = pair.key;
      let k: Scalarish = null;
      if (key !== null && key !== undefined) {
        if (!isScalar(key)) throw NEEDS_LIBRARY;
        k = scalarValue(key.value);
        if (k === '<<') throw NEEDS_LIBRARY;
        // The identity `yaml`'s own check uses: same type and value (`1` and `'1'` differ).
        const id = `${typeof k}:${String(k)}`;
        if (seen.has(id)) this.duplicates.push(key.range?.[0] ?? 0);
        else seen.add(id);
      }
      const name = stringKey(k);
      const value = this.value(pair.value);
      if (name in out) {
        Object.defineProperty(out, name, { value, writable: true, enumerable: true, configurable: true });
      } else out[name] = value;
    }
    return out;
  }
}

/**
 * The document's value and duplicate keys (see the file comment). The document must have no errors; its
 * contents may be null (an empty document: value null).
 */
export function plainDocument(doc: Document, lineCounter: LineCounter, maxAliasCount: number): PlainDocument {
  const walk = new Walk();
  try {
    const value = walk.value(doc.contents as Node | null);
    const duplicateKeys = walk.duplicates
      .sort((a, b) => a - b)
      .map((offset) => {
        const { line, col } = lineCounter.linePos(offset);
        return `Map keys must be unique at line ${line}, column ${col}`;
      });
    return { value, duplicateKeys };
  } catch (e) {
    if (e !== NEEDS_LIBRARY) throw e;
  }
  const duplicateKeys = duplicateKeyErrors(doc, lineCounter);
  return { value: duplicateKeys.length > 0 ? null : doc.toJS({ maxAliasCount }), duplicateKeys };
}
