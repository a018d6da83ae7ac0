/** The XFF fields added to the shipped protos (proto-additions.ts) encode with Envoy 1.40's numbers and types, and decode back. */
import protobuf from 'protobufjs';
import { decodeResource, encodeResource, messageType } from './envoy-protos.js';

const XFF = 'type.googleapis.com/envoy.extensions.http.original_ip_detection.xff.v3.XffConfig';

test('XffConfig.xff_trusted_cidrs is field 2 (XffTrustedCidrs.cidrs field 1), skip_xff_append field 3 (BoolValue)', () => {
  const config = {
    xff_trusted_cidrs: { cidrs: [{ address_prefix: '10.0.0.0', prefix_len: 8 }] },
    skip_xff_append: false,
  };
  const bytes = encodeResource(XFF, config);
  // Walk the wire format: field numbers and wire types as Envoy reads them.
  const reader = protobuf.Reader.create(bytes);
  const seen: [number, number][] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    seen.push([tag >>> 3, tag & 7]);
    reader.skipType(tag & 7);
  }
  expect(seen).toEqual([
    [2, 2],
    [3, 2],
  ]);
  expect(decodeResource(XFF, bytes)).toEqual(config);
  const cidrs = messageType('envoy.extensions.http.original_ip_detection.xff.v3.XffTrustedCidrs');
  expect(cidrs.fields['cidrs']?.id).toBe(1);
  expect(cidrs.fields['cidrs']?.repeated).toBe(true);
});

test('an unknown field is still refused (the added fields do not loosen the encoder)', () => {
  expect(() => encodeResource(XFF, { recurse: true })).toThrow();
});
