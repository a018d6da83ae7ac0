/** The logging the ADS server needs; a pino Logger fits. */
export interface AdsLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => undefined;

export const SILENT_LOGGER: AdsLogger = { debug: noop, info: noop, warn: noop, error: noop };
