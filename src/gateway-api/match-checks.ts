/**
 * What in an HTTPRoute match a gateway would refuse (pure): paths with characters Envoy rejects, header
 * names that are not HTTP tokens, values with control characters, regexes that do not compile or are too
 * big for RE2's program budget, unknown methods. A refused match is left out (never sent to Envoy,
 * which would refuse the whole route table of the group).
 */
import {
  checkRegexPath,
  estimateProgramSize,
  MAX_REGEX_LENGTH,
  REGEX_PROGRAM_BUDGET,
} from '../ingress/regex-paths.js';
import { textProblem } from '../ingress/text-checks.js';

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const PLAIN_PATH = /^\/[\x21-\x7e]*$/;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** Why `value` is not a usable RE2 regex for a gateway, or undefined. */
export function regexProblem(value: string): string | undefined {
  if (value.length > MAX_REGEX_LENGTH) return `regex is longer than ${MAX_REGEX_LENGTH} characters`;
  if (textProblem(value) !== undefined) return 'regex has control or non-UTF-8 characters';
  try {
    new RegExp(value, 'u');
  } catch {
    return `"${value}" is not a valid regular expression`;
  }
  if (/\(\?[<=!]|\\[1-9]|\\k</.test(value))
    return `regex "${value}" uses lookaround or backreferences (not RE2)`;
  if (estimateProgramSize(value) > REGEX_PROGRAM_BUDGET)
    return `regex "${value}" is too complex for the gateway`;
  return undefined;
}

/** Why a path match cannot be served, or undefined. */
export function pathProblem(kind: 'exact' | 'prefix' | 'regex', value: string): string | undefined {
  if (kind === 'regex') {
    const r = checkRegexPath(value);
    return r.ok ? undefined : r.error;
  }
  if (!PLAIN_PATH.test(value) || value.length > 1024)
    return `path "${value.slice(0, 80)}" is not "/" followed by printable ASCII (at most 1024 characters)`;
  if (/[?#]/.test(value)) return `path "${value}" holds "?" or "#"`;
  return undefined;
}

/** Why a header or query parameter condition cannot be served, or undefined. */
export function valueMatchProblem(
  what: 'header' | 'query parameter',
  name: string,
  kind: 'exact' | 'regex',
  value: string,
): string | undefined {
  if (what === 'header' ? !TOKEN.test(name) : name === '' || textProblem(name) !== undefined)
    return `${what} name "${name.slice(0, 80)}" is not valid`;
  if (kind === 'regex') return regexProblem(value);
  const bad = textProblem(value, { maxLength: 4096 });
  return bad === undefined ? undefined : `${what} ${name} value ${bad}`;
}

export function methodProblem(method: string | undefined): string | undefined {
  return method === undefined || METHODS.has(method)
    ? undefined
    : `method "${method.slice(0, 40)}" is not an HTTP method`;
}
