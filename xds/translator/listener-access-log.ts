/**
 * The access log of a group's connection managers and TCP proxies (AccessLogIR): Envoy's stdout or
 * file access logger with the group's JSON fields or text line.
 *
 * Silencing an Ingress (`causeway.dev/enable-access-log: "false"`): Envoy's access log belongs to the
 * connection manager, not to a route, so each connection manager carries Envoy's set_metadata HTTP
 * filter, off by default (`disabled: true`, just before the router). A silenced route turns it on
 * (route-access-log.ts), and it writes `access_log: false` into the request's dynamic metadata under
 * `causeway`; the logger's metadata filter logs a request unless it finds that value (requests without
 * the key, including 404s without a route, are logged). A request answered by an earlier filter (a
 * 401, 403 or 429) never reaches set_metadata, so it is logged even on a silenced route.
 *
 * Sampling below 100 %: a runtime filter with its own randomness (not the request id's, which a client
 * could choose), under the runtime key `causeway.access_log.sample_percent`.
 */
import type { AccessLogFormatIR, AccessLogIR } from '../../src/ir/ir-types.js';
import { TYPES } from './common.js';

/** The HTTP filter a silenced route turns on. */
export const SET_METADATA_FILTER_NAME = 'envoy.filters.http.set_metadata';
/** The dynamic metadata namespace (and key) that marks a request as not to be logged. */
export const ACCESS_LOG_METADATA_NAMESPACE = 'causeway';
export const ACCESS_LOG_METADATA_KEY = 'access_log';
export const SAMPLE_RUNTIME_KEY = 'causeway.access_log.sample_percent';

/** The set_metadata filter of each connection manager (none without an access log). */
export function accessLogHttpFilters(a: AccessLogIR | undefined): object[] {
  if (!a) return [];
  return [{ name: SET_METADATA_FILTER_NAME, typed_config: { '@type': TYPES.setMetadata }, disabled: true }];
}

function logFormat(f: AccessLogFormatIR): object {
  return 'json' in f
    ? { json_format: { ...f.json } }
    : { text_format_source: { inline_string: `${f.text}\n` } };
}

function sampleFilter(percent: number): object {
  const whole = Number.isInteger(percent);
  return {
    runtime_filter: {
      runtime_key: SAMPLE_RUNTIME_KEY,
      percent_sampled: whole
        ? { numerator: percent, denominator: 'HUNDRED' }
        : { numerator: Math.round(percent * 100), denominator: 'TEN_THOUSAND' },
      use_independent_randomness: true,
    },
  };
}

const SILENCE_FILTER = {
  metadata_filter: {
    matcher: {
      filter: ACCESS_LOG_METADATA_NAMESPACE,
      path: [{ key: ACCESS_LOG_METADATA_KEY }],
      value: { bool_match: true },
    },
    match_if_key_not_found: true,
  },
} as const;

function logFilter(a: AccessLogIR, kind: 'http' | 'tcp'): object | undefined {
  const filters = [
    ...(kind === 'http' ? [SILENCE_FILTER] : []),
    ...(a.samplePercent < 100 ? [sampleFilter(a.samplePercent)] : []),
  ];
  if (filters.length === 0) return undefined;
  return filters.length === 1 ? filters[0] : { and_filter: { filters } };
}

/** The `access_log` field of a connection manager (`http`) or TCP proxy (`tcp`); {} without a log. */
export function accessLogField(a: AccessLogIR | undefined, kind: 'http' | 'tcp'): object {
  if (!a) return {};
  const format = logFormat(kind === 'http' ? a.http : a.tcp);
  const filter = logFilter(a, kind);
  const logger =
    a.destination === 'stdout' || a.destination === 'stderr'
      ? {
          name: `envoy.access_loggers.${a.destination}`,
          typed_config: {
            '@type': a.destination === 'stdout' ? TYPES.stdoutAccessLog : TYPES.stderrAccessLog,
            log_format: format,
          },
        }
      : {
          name: 'envoy.access_loggers.file',
          typed_config: { '@type': TYPES.fileAccessLog, path: a.destination, log_format: format },
        };
  return { access_log: [{ ...logger, ...(filter ? { filter } : {}) }] };
}
