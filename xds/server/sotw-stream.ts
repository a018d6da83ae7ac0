/** State-of-the-world ADS (StreamAggregatedResources): the SotW machine behind the common stream I/O. */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { StreamContext, StreamProtocol } from './ads-stream.js';
import { AdsStream } from './ads-stream.js';
import type { DiscoveryRequest, DiscoveryResponse } from './discovery-messages.js';
import { sharedResources } from './shared-encoding.js';
import { SotwMachine } from './sotw-machine.js';
import type { Push } from './stream-machine.js';

export function sotwResponse(push: Push): DiscoveryResponse {
  if (push.shared !== undefined)
    return {
      version_info: push.version,
      resources: [],
      type_url: push.typeUrl,
      nonce: push.nonce,
      encoded_resources: sharedResources(push.shared, push.typeUrl, push.resources),
    };
  return {
    version_info: push.version,
    resources: push.resources.map((r) => ({ type_url: push.typeUrl, value: r.value })),
    type_url: push.typeUrl,
    nonce: push.nonce,
  };
}

export function openSotwStream(
  call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>,
  ctx: StreamContext,
): AdsStream<DiscoveryRequest, DiscoveryResponse> {
  const protocol: StreamProtocol<DiscoveryRequest, DiscoveryResponse> = {
    kind: 'sotw',
    createMachine: (c, conn) => new SotwMachine(c.nextNonce, c.now, c.rejected?.forStream(conn)),
    toWire: sotwResponse,
  };
  return new AdsStream(call, protocol, ctx);
}
