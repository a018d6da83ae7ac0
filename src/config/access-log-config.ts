/**
 * The `accessLog:` setting of the config file, at the top level (every group) or in a group (which
 * replaces the top-level one as a whole):
 *
 *   accessLog: { enabled: true, format: json, fields: {status: '%RESPONSE_CODE%'}, destination: stdout, sampling: 100 }
 *   accessLog: { format: text, textFormat: '%REQ(:METHOD)% %REQ(:PATH)% %RESPONSE_CODE%', destination: /var/log/causeway/access.log }
 *
 * Every key is optional: `enabled` (default true), `format` json or text (default json), `fields`
 * (json: field name -> one allowed command operator; default: src/translate/access-log-format.ts),
 * `textFormat` (text: the line), `destination` (`stdout`, `stderr` or an absolute path on the gateway,
 * whose directory must exist there, else the gateway refuses the group's listeners; default stdout), `sampling` (percent of requests logged, 0 to 100 with up to two decimals; default 100).
 * Operators outside the allow-list are refused (they could copy credentials into the log). Strict: a
 * bad value throws through `fail` naming the key.
 */
import path from 'node:path';
import { checkFields, checkTextFormat } from '../translate/access-log-format.js';
import { DEFAULT_ACCESS_LOG } from '../translate/access-log.js';
import type { GroupAccessLog } from '../translate/translate-options.js';

const KEYS = ['enabled', 'format', 'fields', 'textFormat', 'destination', 'sampling'];
const MAX_PATH = 1024;

function readDestination(at: string, raw: unknown, fail: (m: string) => never): string {
  if (raw === undefined) return DEFAULT_ACCESS_LOG.destination;
  if (raw === 'stdout' || raw === 'stderr') return raw;
  if (typeof raw !== 'string' || !path.posix.isAbsolute(raw) || raw.length > MAX_PATH)
    fail(`${at}.destination must be stdout, stderr or an absolute file path, got ${JSON.stringify(raw)}`);
  if (/^\/(dev|proc\/self\/fd)\/(stdout|stderr|1|2)$/.test(raw))
    fail(
      `${at}.destination: write stdout or stderr instead of ${raw} (Envoy cannot open it under every supervisor)`,
    );
  if (!/^[\x21-\x7e]+$/.test(raw) || raw.split('/').includes('..') || raw.endsWith('/'))
    fail(
      `${at}.destination must be a file path without spaces, control characters or '..', got ${JSON.stringify(raw)}`,
    );
  return path.posix.normalize(raw);
}

function readSampling(at: string, raw: unknown, fail: (m: string) => never): number {
  if (raw === undefined) return DEFAULT_ACCESS_LOG.samplePercent;
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0 || raw > 100)
    fail(`${at}.sampling must be a percentage from 0 to 100, got ${JSON.stringify(raw)}`);
  if (Math.abs(raw * 100 - Math.round(raw * 100)) > 1e-9)
    fail(`${at}.sampling has at most two decimals (e.g. 0.01 or 12.5), got ${raw}`);
  return raw;
}

function readFormat(
  at: string,
  o: Record<string, unknown>,
  fail: (m: string) => never,
): Pick<GroupAccessLog, 'format' | 'fields' | 'textFormat'> {
  const format = o['format'] ?? 'json';
  if (format !== 'json' && format !== 'text')
    fail(`${at}.format must be json or text, got ${JSON.stringify(format)}`);
  const { fields, textFormat } = o;
  if (format === 'json' && textFormat !== undefined) fail(`${at}.textFormat needs format: text`);
  if (format === 'text' && fields !== undefined) fail(`${at}.fields needs format: json`);
  if (fields !== undefined) {
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
      fail(`${at}.fields must be a mapping of field name to a command operator like %RESPONSE_CODE%`);
    const r = checkFields(fields as Record<string, unknown>);
    if (!r.ok) fail(`${at}.fields ${r.error}`);
    return { format, fields: r.value };
  }
  if (textFormat !== undefined) {
    if (typeof textFormat !== 'string') fail(`${at}.textFormat must be a string`);
    const r = checkTextFormat(textFormat);
    if (!r.ok) fail(`${at}.textFormat ${r.error}`);
    return { format, textFormat: r.value };
  }
  return { format };
}

export function readAccessLogConfig(at: string, raw: unknown, fail: (m: string) => never): GroupAccessLog {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail(`${at} must be a mapping {${KEYS.join(', ')}}`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!KEYS.includes(k)) fail(`unknown key ${at}.${k} (allowed: ${KEYS.join(', ')})`);
  const enabled = o['enabled'] ?? true;
  if (typeof enabled !== 'boolean') fail(`${at}.enabled must be true or false`);
  return {
    enabled,
    ...readFormat(at, o, fail),
    destination: readDestination(at, o['destination'], fail),
    samplePercent: readSampling(at, o['sampling'], fail),
  };
}
