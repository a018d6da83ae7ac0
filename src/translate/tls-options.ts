/**
 * The TLS options of a group's HTTPS listener (config file `tls:`, read and validated by
 * src/config/tls-config.ts): carried to the IR as given, absent when the group sets none so that the
 * listener keeps the defaults (TLS 1.2 to 1.3, Envoy's cipher list, ALPN h2 then http/1.1).
 */
import type { TlsOptionsIR } from '../ir/ir-types.js';
import type { GroupSettings } from './translate-options.js';

export function tlsOptionsIR(settings: GroupSettings): TlsOptionsIR | undefined {
  const t = settings.tls;
  if (t === undefined) return undefined;
  const { minVersion, maxVersion, cipherSuites, alpn } = t;
  if (!minVersion && !maxVersion && !cipherSuites && !alpn) return undefined;
  return {
    ...(minVersion ? { minVersion } : {}),
    ...(maxVersion ? { maxVersion } : {}),
    ...(cipherSuites ? { cipherSuites: [...cipherSuites] } : {}),
    ...(alpn ? { alpn: [...alpn] } : {}),
  };
}
