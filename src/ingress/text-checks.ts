/**
 * Checks on free text that reaches a gateway (zones, names, header values...): Envoy refuses a whole
 * xDS response when one string is not well-formed UTF-8 (a lone UTF-16 surrogate cannot be encoded),
 * holds a control character where a header value or name is expected, or is absurdly long. Pure.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Longest free-text field (a zone, a node name, an annotation value) we pass on, in UTF-16 units. */
export const MAX_TEXT_LENGTH = 1024;

function hex(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The index of the first lone UTF-16 surrogate of `s`, or -1. */
function loneSurrogateAt(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return i;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

/** True for C0 controls and DEL, except tab, line feed and carriage return when `allowLineBreaks`. */
function isControl(c: number, allowLineBreaks: boolean): boolean {
  if (allowLineBreaks && (c === 0x09 || c === 0x0a || c === 0x0d)) return false;
  return c < 0x20 || c === 0x7f;
}

/** Printable ASCII (space to `~`): no surrogate, no control character. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export interface TextRules {
  /** Longest accepted value in UTF-16 units (default MAX_TEXT_LENGTH). */
  readonly maxLength?: number;
  /** Tab, LF and CR are accepted (PEM blocks, response bodies); other controls never are. */
  readonly allowLineBreaks?: boolean;
}

/**
 * Why `value` cannot be sent to a gateway, or undefined when it can: a lone surrogate (not encodable
 * as UTF-8), a control character, or more than the length cap. The value itself is never quoted (it
 * may be huge or hold the very character a log or terminal chokes on).
 */
export function textProblem(value: string, rules: TextRules = {}): string | undefined {
  const max = rules.maxLength ?? MAX_TEXT_LENGTH;
  if (value.length > max) return `is ${value.length} characters long (at most ${max})`;
  // Fast path for the common case (names, paths, header values): printable ASCII only.
  if (PRINTABLE_ASCII.test(value)) return undefined;
  const lone = loneSurrogateAt(value);
  if (lone >= 0)
    return `is not well-formed UTF-16/UTF-8 (lone surrogate ${hex(value.charCodeAt(lone))} at index ${lone})`;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isControl(c, rules.allowLineBreaks ?? false))
      return `holds the control character ${hex(c)} at index ${i}`;
  }
  return undefined;
}

/** Why `address` is not an IP address of the EndpointSlice's `addressType`, or undefined when it is. */
export function addressProblem(address: string, addressType: 'IPv4' | 'IPv6'): string | undefined {
  const ok = addressType === 'IPv4' ? isIPv4(address) : isIPv6(address);
  if (ok) return undefined;
  const shown = textProblem(address, { maxLength: 64 }) === undefined ? `"${address}"` : 'the address';
  return `${shown} is not an ${addressType} address`;
}

/** True for a TCP/UDP port number Envoy accepts for an upstream endpoint (1..65535). */
export function isPortNumber(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** Longest Kubernetes object name (DNS-1123 subdomain). */
const MAX_NAME_LENGTH = 253;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Why `name` is not a valid Kubernetes object name (a DNS-1123 subdomain, as the apiserver enforces;
 * a manifests folder is not checked by one) or, with `label`, a valid DNS-1123 label (namespaces, port
 * names); undefined when it is. Names end up in Envoy resource names, so a bad one would break them.
 */
export function kubeNameProblem(name: unknown, label = false): string | undefined {
  if (typeof name !== 'string' || name === '') return 'is empty';
  const max = label ? 63 : MAX_NAME_LENGTH;
  if (name.length > max) return `is ${name.length} characters long (at most ${max})`;
  if (!(label ? DNS_LABEL : DNS_SUBDOMAIN).test(name))
    return `is not a valid ${label ? 'DNS-1123 label' : 'DNS-1123 subdomain'} (lowercase letters, digits, '-'${label ? '' : ", '.'"})`;
  return undefined;
}

/** `text` safe to quote in a diagnostic: controls and lone surrogates replaced by U+FFFD, at most 253 long. */
export function printable(text: string, maxLength = MAX_NAME_LENGTH): string {
  const cut = text.length > maxLength ? `${text.slice(0, maxLength)}...` : text;
  let out = '';
  for (let i = 0; i < cut.length; i++) {
    const c = cut.charCodeAt(i);
    const next = cut.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += cut.slice(i, i + 2);
      i++;
    } else if ((c >= 0xd800 && c <= 0xdfff) || isControl(c, false)) out += '\ufffd';
    else out += cut[i];
  }
  return out;
}

/** Why an object's name or namespace is not a valid Kubernetes name, or undefined. */
export function nameProblemOf(meta: {
  readonly name?: unknown;
  readonly namespace?: unknown;
}): string | undefined {
  const name = kubeNameProblem(meta.name);
  if (name !== undefined) return `name ${name}`;
  const ns = meta.namespace === undefined ? undefined : kubeNameProblem(meta.namespace, true);
  return ns === undefined ? undefined : `namespace ${ns}`;
}
