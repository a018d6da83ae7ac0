/**
 * The grpc-js service definition of `envoy.service.discovery.v3.AggregatedDiscoveryService`, written by
 * hand over the protobufjs codecs of discovery-messages.ts. The server and the test client share it.
 */
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DiscoveryRequest,
  DiscoveryResponse,
} from './discovery-messages.js';
import {
  decodeDeltaDiscoveryRequest,
  decodeDeltaDiscoveryResponse,
  decodeDiscoveryRequest,
  decodeDiscoveryResponse,
  encodeDeltaDiscoveryRequest,
  encodeDeltaDiscoveryResponse,
  encodeDiscoveryRequest,
  encodeDiscoveryResponse,
} from './discovery-messages.js';

const SERVICE = '/envoy.service.discovery.v3.AggregatedDiscoveryService';

export const SOTW_METHOD: MethodDefinition<DiscoveryRequest, DiscoveryResponse> = {
  path: `${SERVICE}/StreamAggregatedResources`,
  requestStream: true,
  responseStream: true,
  requestSerialize: encodeDiscoveryRequest,
  requestDeserialize: decodeDiscoveryRequest,
  responseSerialize: encodeDiscoveryResponse,
  responseDeserialize: decodeDiscoveryResponse,
  originalName: 'streamAggregatedResources',
};

export const DELTA_METHOD: MethodDefinition<DeltaDiscoveryRequest, DeltaDiscoveryResponse> = {
  path: `${SERVICE}/DeltaAggregatedResources`,
  requestStream: true,
  responseStream: true,
  requestSerialize: encodeDeltaDiscoveryRequest,
  requestDeserialize: decodeDeltaDiscoveryRequest,
  responseSerialize: encodeDeltaDiscoveryResponse,
  responseDeserialize: decodeDeltaDiscoveryResponse,
  originalName: 'deltaAggregatedResources',
};

export interface AdsServiceDefinition extends ServiceDefinition {
  readonly StreamAggregatedResources: typeof SOTW_METHOD;
  readonly DeltaAggregatedResources: typeof DELTA_METHOD;
}

export const ADS_SERVICE: AdsServiceDefinition = {
  StreamAggregatedResources: SOTW_METHOD,
  DeltaAggregatedResources: DELTA_METHOD,
};
