/** The translate options of the controller and `causeway translate`: port flags, the config file, defaults. */
import type { ControllerConfig } from '../config/controller-config.js';
import { DEFAULT_TRANSLATE_OPTIONS, type TranslateOptions } from '../translate/translate-options.js';

/** Flags override the config file, which overrides the built-in defaults (8080/8443). */
export function translateOptionsFrom(
  config: ControllerConfig | undefined,
  flags: { readonly httpPort?: number; readonly httpsPort?: number },
): TranslateOptions {
  return {
    defaults: {
      httpPort: flags.httpPort ?? config?.httpPort ?? DEFAULT_TRANSLATE_OPTIONS.defaults.httpPort,
      httpsPort: flags.httpsPort ?? config?.httpsPort ?? DEFAULT_TRANSLATE_OPTIONS.defaults.httpsPort,
      ...(config?.healthPort !== undefined ? { healthPort: config.healthPort } : {}),
      ...(config?.loadBalancing !== undefined ? { loadBalancing: config.loadBalancing } : {}),
      ...(config?.compression !== undefined ? { compression: config.compression } : {}),
      ...(config?.tls !== undefined ? { tls: config.tls } : {}),
      ...(config?.tracing !== undefined ? { tracing: config.tracing } : {}),
      ...(config?.connectionLimit !== undefined ? { connectionLimit: config.connectionLimit } : {}),
      ...(config?.accessLog !== undefined ? { accessLog: config.accessLog } : {}),
      ...(config?.metricsPort !== undefined ? { metricsPort: config.metricsPort } : {}),
      ...(config?.clientIp !== undefined ? { clientIp: config.clientIp } : {}),
      ...(config?.proxyProtocol !== undefined ? { proxyProtocol: config.proxyProtocol } : {}),
    },
    groups: config?.groups ?? {},
    clusterZones: Object.fromEntries(
      (config?.clusters ?? []).flatMap((c) => (c.zone !== undefined ? [[c.name, c.zone]] : [])),
    ),
  };
}
