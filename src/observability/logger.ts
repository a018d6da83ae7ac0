/**
 * Structured JSON logging (pino). One line per event, `level` as a label, ISO timestamps, and the
 * Kubernetes object a line is about in `object: 'namespace/name'` + `kind` (see `objectFields`). A PEM
 * private key in any field is redacted from the line before it is written.
 */
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import { CausewayError } from '../errors.js';
import { redactPrivateKeys } from '../util/private-keys.js';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Where log lines go. `'stdout'` for servers; `'stderr'` for CLI commands that print their result on
 * stdout; or any stream (tests).
 */
export type LogDestination = 'stdout' | 'stderr' | DestinationStream;

export interface LoggerOptions {
  /** Default `info`. */
  readonly level?: string;
  /** Written as `name` on every line (e.g. the command or component). */
  readonly name?: string;
  /** Default `stdout`. */
  readonly destination?: LogDestination;
}

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** A pino logger writing one JSON object per line. Throws CW_E_USAGE on an unknown level. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  if (!isLogLevel(level)) {
    throw new CausewayError(
      'CW_E_USAGE',
      `unknown log level "${level}"; expected one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  const destination = options.destination ?? 'stdout';
  const stream =
    typeof destination === 'string'
      ? // Synchronous writes: lines are never lost when a command exits or the process crashes.
        pino.destination({ dest: destination === 'stderr' ? 2 : 1, sync: true })
      : destination;
  return pino(
    {
      // Last line of defence: a PEM private key never reaches a log line, whatever field carried it.
      hooks: { streamWrite: (line) => redactPrivateKeys(line, true) },
      level,
      ...(options.name !== undefined ? { name: options.name } : {}),
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}

/** What `objectFields` accepts: a diagnostic's ObjectRef, or a Kubernetes object itself. */
export type LoggableObject =
  | { readonly kind: string; readonly namespace?: string; readonly name: string; readonly cluster?: string }
  | { readonly kind: string; readonly metadata: { readonly namespace?: string; readonly name: string } };

export interface ObjectLogFields {
  /** `namespace/name`, or `name` for a cluster-scoped object. */
  readonly object: string;
  readonly kind: string;
  /** The source cluster, when the object says so (multi-cluster sources). */
  readonly cluster?: string;
}

/** Log fields naming a Kubernetes object: `log.warn(objectFields(ref), 'message')`. */
export function objectFields(ref: LoggableObject): ObjectLogFields {
  const { namespace, name } = 'metadata' in ref ? ref.metadata : ref;
  const cluster = 'cluster' in ref ? ref.cluster : undefined;
  return {
    object: namespace ? `${namespace}/${name}` : name,
    kind: ref.kind,
    ...(cluster !== undefined ? { cluster } : {}),
  };
}
