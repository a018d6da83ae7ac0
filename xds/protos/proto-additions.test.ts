import { decodeResource, encodeResource, messageType } from './envoy-protos.js';
import { FIELD_ADDITIONS } from './proto-additions.js';

const LOCAL_RATE_LIMIT =
  'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';

describe('proto additions (Envoy 1.40 fields the shipped protos lack)', () => {
  it('declares every added field with its Envoy 1.40 number', () => {
    for (const f of FIELD_ADDITIONS) {
      const field = messageType(f.message).fields[f.name];
      expect(field?.id).toBe(f.id);
    }
  });

  it('encodes and decodes a per-client local rate limit with an exempt range', () => {
    const config = {
      stat_prefix: 'rate_limit',
      token_bucket: { max_tokens: 10, tokens_per_fill: 2, fill_interval: '1s' },
      rate_limits: [
        {
          actions: [
            {
              remote_address_match: {
                descriptor_key: 'limited',
                descriptor_value: 'yes',
                address_matcher: {
                  ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }],
                  invert_match: true,
                },
              },
            },
            { remote_address: {} },
          ],
        },
      ],
      max_dynamic_descriptors: 10000,
      enable_retry_after_header: true,
    };
    const bytes = encodeResource(LOCAL_RATE_LIMIT, config);
    expect(decodeResource(LOCAL_RATE_LIMIT, bytes)).toEqual(config);
  });

  it('writes the fields with their numbers on the wire', () => {
    const bytes = encodeResource(LOCAL_RATE_LIMIT, { stat_prefix: 'x', enable_retry_after_header: true });
    // Field 19, varint: tag (19 << 3) | 0 = 152 = 0x98 0x01, then 1.
    expect(Buffer.from(bytes).toString('hex')).toBe('0a0178980101');
    const withMax = encodeResource(LOCAL_RATE_LIMIT, { max_dynamic_descriptors: 7 });
    // Field 18, length-delimited: tag (18 << 3) | 2 = 146 = 0x92 0x01; UInt32Value { value = 7 }.
    expect(Buffer.from(withMax).toString('hex')).toBe('9201020807');
  });
});
