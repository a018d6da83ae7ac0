/** Incremental ADS (DeltaAggregatedResources): the Delta machine behind the common stream I/O. */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { StreamContext, StreamProtocol } from './ads-stream.js';
import { AdsStream } from './ads-stream.js';
import { DeltaMachine } from './delta-machine.js';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from './discovery-messages.js';
import type { Push } from './stream-machine.js';

export function deltaResponse(push: Push): DeltaDiscoveryResponse {
  return {
    system_version_info: push.version,
    resources: push.resources.map((r) => ({
      name: r.name,
      version: r.version,
      resource: { type_url: push.typeUrl, value: r.value },
    })),
    type_url: push.typeUrl,
    removed_resources: push.removed,
    nonce: push.nonce,
  };
}

export function openDeltaStream(
  call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>,
  ctx: StreamContext,
): AdsStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  const protocol: StreamProtocol<DeltaDiscoveryRequest, DeltaDiscoveryResponse> = {
    kind: 'delta',
    createMachine: (c, conn) => new DeltaMachine(c.nextNonce, c.now, c.rejected?.forStream(conn)),
    toWire: deltaResponse,
  };
  return new AdsStream(call, protocol, ctx);
}
