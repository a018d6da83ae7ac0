/**
 * The response compressor filters of a group's listeners: one per encoding (br, zstd, gzip, in this
 * order), each off by default (`disabled: true`) so a route compresses only when its Ingress or its
 * group asks (CompressorPerRoute, route-resilience.ts). Envoy picks the encoding with the highest
 * q-value in the request's Accept-Encoding among the filters enabled on the route; on equal q-values
 * the one the client lists first (`gzip, br` gets gzip), and for `*` the filter first in the chain
 * (br, then zstd, then gzip; test/e2e/policy-resilience.test.ts). It compresses only answers of
 * the listed media types of at least `minBytes` (Content-Length), not already encoded, and adds
 * `Vary: Accept-Encoding`.
 */
import type { CompressionFilterIR, CompressionEncodingIR } from '../../src/ir/ir-types.js';
import { compressorFilterName, TYPES } from './common.js';

const LIBRARIES: Readonly<Record<CompressionEncodingIR, string>> = {
  br: TYPES.brotli,
  zstd: TYPES.zstd,
  gzip: TYPES.gzip,
};

/** The chain order, which decides what `Accept-Encoding: *` gets. */
const CHAIN_ORDER: readonly CompressionEncodingIR[] = ['br', 'zstd', 'gzip'];

export function compressorFilters(c: CompressionFilterIR | undefined): object[] {
  if (!c) return [];
  return CHAIN_ORDER.map((encoding) => ({
    name: compressorFilterName(encoding),
    typed_config: {
      '@type': TYPES.compressor,
      response_direction_config: {
        common_config: {
          min_content_length: c.minBytes,
          ...(c.contentTypes ? { content_type: [...c.contentTypes] } : {}),
        },
      },
      compressor_library: { name: encoding, typed_config: { '@type': LIBRARIES[encoding] } },
    },
    disabled: true,
  }));
}
