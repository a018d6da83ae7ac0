/**
 * The compressor filter settings of a group's listeners: the group's `compression:` or the defaults
 * (256 bytes, Envoy's built-in media types).
 */
import type { CompressionFilterIR } from '../ir/ir-types.js';
import { DEFAULT_COMPRESSION_MIN_BYTES } from './annotations-resilience.js';
import type { GroupSettings } from './translate-options.js';

export function compressionFilter(settings: GroupSettings): CompressionFilterIR {
  const types = settings.compression?.contentTypes;
  return {
    minBytes: settings.compression?.minBytes ?? DEFAULT_COMPRESSION_MIN_BYTES,
    ...(types !== undefined ? { contentTypes: [...types].sort() } : {}),
  };
}
