/**
 * The `compression:` setting of the config file, at the top level (every group) or in a group:
 *
 *   compression: { encodings: [br, gzip], minBytes: 1024, contentTypes: [text/html, application/json] }
 *
 * `encodings` are the response encodings every route of the group compresses with (an Ingress can
 * choose its own or turn them off with `causeway.dev/compression`); `minBytes` (default 256) and
 * `contentTypes` (default: Envoy's built-in list) apply to every route that compresses. Strict: a bad
 * value throws through `fail` naming the key.
 */
import { parseEncodings } from '../translate/annotations-resilience.js';
import type { GroupCompression } from '../translate/translate-options.js';
import { DEFAULT_COMPRESSION_MIN_BYTES } from '../translate/annotations-resilience.js';

/** A media type `type/subtype` (RFC 6838 characters), no parameters. */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;
const MAX_CONTENT_TYPES = 64;
const MAX_MIN_BYTES = 4294967295;

function readEncodings(at: string, raw: unknown, fail: (m: string) => never): GroupCompression['encodings'] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.some((e) => typeof e !== 'string'))
    fail(`${at}.encodings must be a list of gzip, br, zstd`);
  if (raw.length === 0) return [];
  const r = parseEncodings((raw as string[]).join(','));
  if (!r.ok || r.value.length === 0)
    fail(`${at}.encodings must be a list of gzip, br, zstd, got ${JSON.stringify(raw)}`);
  return r.value;
}

function readContentTypes(at: string, raw: unknown, fail: (m: string) => never): string[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_CONTENT_TYPES)
    fail(`${at}.contentTypes must be a list of 1 to ${MAX_CONTENT_TYPES} media types`);
  const bad = raw.find((t: unknown) => typeof t !== 'string' || !MEDIA_TYPE.test(t));
  if (bad !== undefined)
    fail(
      `${at}.contentTypes: ${JSON.stringify(bad)} is not a media type like text/html (lowercase, no parameters)`,
    );
  return [...new Set(raw as string[])].sort();
}

export function readCompressionConfig(
  at: string,
  raw: unknown,
  fail: (m: string) => never,
): GroupCompression {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail(`${at} must be a mapping {encodings, minBytes, contentTypes}`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!['encodings', 'minBytes', 'contentTypes'].includes(k))
      fail(`unknown key ${at}.${k} (allowed: encodings, minBytes, contentTypes)`);
  const min = o['minBytes'] ?? DEFAULT_COMPRESSION_MIN_BYTES;
  if (typeof min !== 'number' || !Number.isInteger(min) || min < 0 || min > MAX_MIN_BYTES)
    fail(`${at}.minBytes must be a whole number of bytes from 0 to ${MAX_MIN_BYTES}`);
  const contentTypes = readContentTypes(at, o['contentTypes'], fail);
  return {
    encodings: readEncodings(at, o['encodings'], fail),
    minBytes: min,
    ...(contentTypes !== undefined ? { contentTypes } : {}),
  };
}
