/**
 * Linear-time duplicate-key detection for parsed YAML documents. The `yaml` library's own check compares
 * every key with every earlier key of its mapping (quadratic: a 4 MB mapping of 56k keys took 28 s), so
 * documents are parsed with `uniqueKeys: false` and checked here with one Set per mapping.
 */
import { isMap, isScalar, visit, type Document, type LineCounter } from 'yaml';

/** The key's identity as the `yaml` library compares scalar keys (same value; `1` and `'1'` differ). */
function scalarKeyId(value: unknown): string {
  return `${typeof value}:${String(value)}`;
}

/**
 * The document's duplicate keys in document order, each as the message `yaml` would give ("Map keys must
 * be unique at line L, column C"). Only scalar keys can repeat (as in `yaml`, where complex keys are
 * compared by identity).
 */
export function duplicateKeyErrors(doc: Document, lineCounter: LineCounter): string[] {
  const found: { readonly offset: number; readonly message: string }[] = [];
  visit(doc, {
    Map(_key, map) {
      if (!isMap(map)) return;
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const id = scalarKeyId(pair.key.value);
        if (!seen.has(id)) {
          seen.add(id);
          continue;
        }
        const offset = pair.key.range?.[0] ?? 0;
        const { line, col } = lineCounter.linePos(offset);
        found.push({ offset, message: `Map keys must be unique at line ${line}, column ${col}` });
      }
    },
  });
  // Outer mappings are visited before inner ones: report in document order, as the parser would.
  return found.sort((a, b) => a.offset - b.offset).map((f) => f.message);
}
