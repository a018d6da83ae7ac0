/** Clipping of client free text, and where the decoder applies it. */
import { CLIENT_TEXT_LIMITS, clipClientText, truncationMarker } from './client-input.js';
import { ADDRESS_METADATA_KEY } from './connection.js';
import {
  decodeDeltaDiscoveryRequest,
  decodeDiscoveryRequest,
  encodeDeltaDiscoveryRequest,
  encodeDiscoveryRequest,
} from './discovery-messages.js';

describe('clipClientText', () => {
  it('keeps a string within the cap as it is', () => {
    expect(clipClientText('gw-1', 4)).toBe('gw-1');
    expect(clipClientText('', 0)).toBe('');
  });

  it('cuts a longer one and says how much was cut', () => {
    expect(clipClientText('abcdefgh', 3)).toBe(`abc${truncationMarker(5)}`);
    expect(truncationMarker(5)).toBe('…[truncated 5 chars]');
  });

  it('never keeps half a surrogate pair', () => {
    const clipped = clipClientText('ab\u{1F600}cd', 3);
    expect(clipped).toBe(`ab${truncationMarker(4)}`);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(clipped)).toBe(false); // no lone high surrogate
  });
});

describe('decoding requests', () => {
  const huge = 'x'.repeat(100_000);
  const hugeNode = {
    id: huge,
    cluster: huge,
    user_agent_name: huge,
    user_agent_version: huge,
    locality: { region: huge, zone: huge, sub_zone: huge },
    metadata: {
      fields: {
        [ADDRESS_METADATA_KEY]: { stringValue: huge },
        other: { stringValue: huge },
      },
    },
  };
  const cap = (max: number): number => max + truncationMarker(100_000 - max).length;

  it('clips every free-text field of a SotW node and NACK, and keeps only the address metadata', () => {
    const req = decodeDiscoveryRequest(
      encodeDiscoveryRequest({
        version_info: '',
        node: hugeNode,
        resource_names: [],
        type_url: 'T',
        response_nonce: 'n',
        error_detail: { code: 3, message: huge },
      }),
    );
    expect(req.node?.id).toHaveLength(cap(CLIENT_TEXT_LIMITS.nodeId));
    expect(req.node?.id.endsWith(truncationMarker(100_000 - CLIENT_TEXT_LIMITS.nodeId))).toBe(true);
    expect(req.node?.cluster).toHaveLength(cap(CLIENT_TEXT_LIMITS.group));
    expect(req.node?.user_agent_name).toHaveLength(cap(CLIENT_TEXT_LIMITS.userAgent));
    expect(req.node?.user_agent_version).toHaveLength(cap(CLIENT_TEXT_LIMITS.userAgent));
    for (const part of ['region', 'zone', 'sub_zone'] as const)
      expect(req.node?.locality?.[part]).toHaveLength(cap(CLIENT_TEXT_LIMITS.locality));
    expect(Object.keys(req.node?.metadata?.fields ?? {})).toEqual([ADDRESS_METADATA_KEY]);
    expect(req.node?.metadata?.fields[ADDRESS_METADATA_KEY]?.stringValue).toHaveLength(
      cap(CLIENT_TEXT_LIMITS.address),
    );
    expect(req.error_detail?.message).toHaveLength(cap(CLIENT_TEXT_LIMITS.nackMessage));
  });

  it('clips a Delta NACK message and node id too; sane values pass unchanged', () => {
    const req = decodeDeltaDiscoveryRequest(
      encodeDeltaDiscoveryRequest({
        node: { id: huge, cluster: 'edge', locality: { zone: 'eu-west-1a' } },
        type_url: 'T',
        resource_names_subscribe: [],
        resource_names_unsubscribe: [],
        initial_resource_versions: {},
        response_nonce: 'n',
        error_detail: { code: 3, message: huge },
      }),
    );
    expect(req.node?.id).toHaveLength(cap(CLIENT_TEXT_LIMITS.nodeId));
    expect(req.node?.cluster).toBe('edge');
    expect(req.node?.locality).toEqual({ zone: 'eu-west-1a' });
    expect(req.error_detail?.message).toHaveLength(cap(CLIENT_TEXT_LIMITS.nackMessage));
  });
});
