/**
 * Regex paths (gateway mode, `causeway.dev/use-regex`): a conservative check that an Ingress path is a
 * regular expression Envoy's RE2 accepts, so a bad one is left out with a diagnostic instead of making
 * the gateway reject (NACK) the whole route table.
 *
 * Accepted: printable ASCII starting with `/`, at most 256 characters, that JavaScript compiles (with the
 * strict `u` flag) and that uses only constructs both engines share: no lookaround, backreference, named
 * group, inline flag or Unicode escape. Envoy refuses a regex whose RE2 program is larger than 100
 * instructions, so the program size is estimated from above (the rendered form, `(?:<regex>).*`, adds
 * about 8) and a regex over the budget is refused too.
 */

export type RegexResult =
  { readonly ok: true; readonly groups: number } | { readonly ok: false; readonly error: string };

export const MAX_REGEX_LENGTH = 256;
/** Estimated RE2 program size allowed for the path's regex (Envoy's limit is 100 for the whole regex). */
export const REGEX_PROGRAM_BUDGET = 88;

const PRINTABLE = /^[\x21-\x7e]+$/;
/** Escapes both RE2 and JavaScript (`u` flag) read the same way. */
const SHARED_ESCAPES = new Set([...'^$\\.*+?()[]{}|/dDwWsSbBtnrfv']);
const CLASS_ESCAPES = new Set([...'^$\\.*+?()[]{}|/-dDwWsStnrfv']);

/** The first construct RE2 and JavaScript do not share, if any. */
function unsharedConstruct(src: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const next = src[i + 1] ?? '';
      if (!(inClass ? CLASS_ESCAPES : SHARED_ESCAPES).has(next))
        return `the escape "\\${next}" (backreferences, Unicode and control escapes are not supported)`;
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      if (src[i + 1] === '^') i++;
      if (src[i + 1] === ']') i++;
    } else if (c === '(' && src[i + 1] === '?' && src[i + 2] !== ':') {
      return 'lookaround, named groups and inline flags ("(?" other than "(?:")';
    }
  }
  return undefined;
}

interface Cost {
  cost: number;
  i: number;
}

/** Cost of a character class starting at src[i] === '[' (returns the index after `]`). */
function classCost(src: string, i: number): Cost {
  let j = i + 1;
  if (src[j] === '^') j++;
  if (src[j] === ']') j++;
  let items = 0;
  while (j < src.length && src[j] !== ']') {
    j += src[j] === '\\' ? 2 : 1;
    items++;
  }
  return { cost: 3 + items, i: j + 1 };
}

/** The cost of one atom at src[i], before its quantifier. */
function atomCost(src: string, i: number): Cost {
  const c = src[i]!;
  if (c === '[') return classCost(src, i);
  if (c === '(') {
    const start = src.startsWith('(?:', i) ? i + 3 : i + 1;
    const inner = alternationCost(src, start);
    return { cost: inner.cost + 2, i: inner.i + 1 };
  }
  if (c === '\\') return { cost: /[dDwWsS]/.test(src[i + 1] ?? '') ? 5 : 1, i: i + 2 };
  if (c === '.') return { cost: 3, i: i + 1 };
  return { cost: 1, i: i + 1 };
}

/** The atom's cost times its quantifier (`{n,m}` repeats the atom m times). */
function quantified(src: string, atom: Cost): Cost {
  const q = src[atom.i];
  let out: Cost = atom;
  if (q === '*' || q === '+' || q === '?') out = { cost: atom.cost + 2, i: atom.i + 1 };
  else if (q === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(atom.i));
    if (m) {
      const n = Number(m[1]);
      const times = m[2] === undefined ? n : m[3] === '' ? n + 1 : Number(m[3]);
      out = { cost: atom.cost * Math.max(times, 1) + times, i: atom.i + m[0].length };
    }
  }
  if (src[out.i] === '?') out = { cost: out.cost, i: out.i + 1 };
  return out;
}

function alternationCost(src: string, start: number): Cost {
  let cost = 0;
  let i = start;
  while (i < src.length && src[i] !== ')') {
    if (src[i] === '|') {
      cost += 2;
      i++;
      continue;
    }
    const q = quantified(src, atomCost(src, i));
    cost += q.cost;
    i = q.i;
  }
  return { cost, i };
}

/** An upper estimate of the RE2 program size of a regex that compiled in JavaScript. */
export function estimateProgramSize(src: string): number {
  return alternationCost(src, 0).cost;
}

/** Checks a regex path; on success, the number of its capture groups. */
export function checkRegexPath(src: string): RegexResult {
  if (src.length > MAX_REGEX_LENGTH)
    return { ok: false, error: `regex path is longer than ${MAX_REGEX_LENGTH} characters` };
  if (!PRINTABLE.test(src))
    return { ok: false, error: 'regex path has characters other than printable ASCII' };
  if (!src.startsWith('/')) return { ok: false, error: `regex path "${src}" must start with "/"` };
  const unshared = unsharedConstruct(src);
  if (unshared !== undefined) return { ok: false, error: `regex path "${src}" uses ${unshared}` };
  let groups: number;
  try {
    new RegExp(src, 'u');
    // With `|` the regex matches '' and exec tells the number of groups.
    groups = new RegExp(`${src}|`, 'u').exec('')!.length - 1;
  } catch {
    return { ok: false, error: `regex path "${src}" is not a valid regular expression` };
  }
  if (estimateProgramSize(src) > REGEX_PROGRAM_BUDGET)
    return { ok: false, error: `regex path "${src}" is too complex for the gateway (RE2 program size)` };
  return { ok: true, groups };
}
