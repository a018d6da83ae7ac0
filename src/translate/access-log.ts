/**
 * The access log of a group's gateways, from its `accessLog:` setting (or the top-level one): absent
 * when turned off; else where it goes, how much is sampled and the line formats of HTTP requests and
 * TCP connections. Nothing set: one JSON object per request on stdout with the default fields
 * (access-log-format.ts). A custom `fields` map or `textFormat` line is used for TCP connections too
 * (HTTP-only operators print `-` or null there). Pure.
 */
import type { AccessLogIR } from '../ir/ir-types.js';
import {
  DEFAULT_HTTP_FIELDS,
  DEFAULT_HTTP_TEXT,
  DEFAULT_TCP_FIELDS,
  DEFAULT_TCP_TEXT,
} from './access-log-format.js';
import type { GroupAccessLog, GroupSettings } from './translate-options.js';

/** The access log when the config file says nothing: JSON to stdout, every request. */
export const DEFAULT_ACCESS_LOG: GroupAccessLog = {
  enabled: true,
  format: 'json',
  destination: 'stdout',
  samplePercent: 100,
};

export function accessLogOf(settings: GroupSettings): AccessLogIR | undefined {
  const a = settings.accessLog ?? DEFAULT_ACCESS_LOG;
  if (!a.enabled) return undefined;
  const base = { destination: a.destination, samplePercent: a.samplePercent };
  if (a.format === 'text')
    return {
      ...base,
      http: { text: a.textFormat ?? DEFAULT_HTTP_TEXT },
      tcp: { text: a.textFormat ?? DEFAULT_TCP_TEXT },
    };
  return {
    ...base,
    http: { json: a.fields ?? DEFAULT_HTTP_FIELDS },
    tcp: { json: a.fields ?? DEFAULT_TCP_FIELDS },
  };
}
