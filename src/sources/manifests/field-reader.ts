/**
 * Reading untyped JSON (a parsed YAML document) safely: shape checks that collect problems with a field
 * path for the message, instead of throwing at the first one.
 */

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Whether a char code is in the base64 alphabet (A-Z, a-z, 0-9, `+`, `/`). */
function isBase64Char(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
}

/**
 * Whether `s` is padded standard base64 (whitespace already removed): groups of 4 characters of the
 * alphabet, the last group may end in `=` or `==`. A single linear scan: no regex, so a value of any size
 * neither backtracks nor overflows the stack.
 */
export function isBase64(s: string): boolean {
  if (s.length % 4 !== 0) return false;
  let padding = 0;
  if (s.endsWith('==')) padding = 2;
  else if (s.endsWith('=')) padding = 1;
  const end = s.length - padding;
  for (let i = 0; i < end; i++) if (!isBase64Char(s.charCodeAt(i))) return false;
  return true;
}

export type Json = Readonly<Record<string, unknown>>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string')
    return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}

/** Removes keys whose value is undefined, so that projected objects compare and serialize canonically. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Reads optional fields of a JSON value with a path for messages. Every reader returns undefined for an
 * absent or null field and records a problem (and returns undefined) for a field of the wrong shape.
 */
export class FieldReader {
  readonly problems: string[] = [];

  problem(path: string, message: string): undefined {
    this.problems.push(`${path} ${message}`);
    return undefined;
  }

  object(o: Json, key: string, path: string): Json | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (!isRecord(v)) return this.problem(`${path}${key}`, `must be a mapping, not ${describe(v)}`);
    return v;
  }

  string(o: Json, key: string, path: string): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') return this.problem(`${path}${key}`, `must be a string, not ${describe(v)}`);
    return v;
  }

  enumeration<T extends string>(o: Json, key: string, path: string, allowed: readonly T[]): T | undefined {
    const v = this.string(o, key, path);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) {
      return this.problem(`${path}${key}`, `must be one of ${allowed.join(', ')}, not ${JSON.stringify(v)}`);
    }
    return v as T;
  }

  integer(o: Json, key: string, path: string, min: number, max: number): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      return this.problem(`${path}${key}`, `must be a number, not ${describe(v)}`);
    }
    if (v < min || v > max)
      return this.problem(`${path}${key}`, `must be between ${min} and ${max}, not ${v}`);
    return v;
  }

  boolean(o: Json, key: string, path: string): boolean | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean')
      return this.problem(`${path}${key}`, `must be true or false, not ${describe(v)}`);
    return v;
  }

  /** A mapping of strings to strings (labels, annotations, selectors, Secret data), sorted by key. */
  stringMap(o: Json, key: string, path: string): Readonly<Record<string, string>> | undefined {
    const m = this.object(o, key, path);
    if (m === undefined) return undefined;
    const entries: [string, string][] = [];
    for (const [k, v] of Object.entries(m)) {
      if (typeof v === 'string') entries.push([k, v]);
      else this.problem(`${path}${key}.${k}`, `must be a string, not ${describe(v)} (quote it)`);
    }
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  }

  list<T>(
    o: Json,
    key: string,
    path: string,
    item: (v: unknown, itemPath: string) => T | undefined,
  ): T[] | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) return this.problem(`${path}${key}`, `must be a list, not ${describe(v)}`);
    const out: T[] = [];
    v.forEach((e: unknown, i) => {
      const r = item(e, `${path}${key}[${i}]`);
      if (r !== undefined) out.push(r);
    });
    return out;
  }

  /** A list item that must be a mapping. */
  item(v: unknown, path: string): Json | undefined {
    if (!isRecord(v)) return this.problem(path, `must be a mapping, not ${describe(v)}`);
    return v;
  }

  stringItem(v: unknown, path: string): string | undefined {
    if (typeof v !== 'string') return this.problem(path, `must be a string, not ${describe(v)}`);
    return v;
  }
}
