/**
 * A route of an Ingress with `causeway.dev/enable-access-log: "false"`: it turns on the connection
 * manager's set_metadata filter, which marks the request as not to be logged (listener-access-log.ts
 * explains the mechanism). Other routes carry nothing.
 */
import type { RouteIR } from '../../src/ir/ir-types.js';
import { TYPES } from './common.js';
import {
  ACCESS_LOG_METADATA_KEY,
  ACCESS_LOG_METADATA_NAMESPACE,
  SET_METADATA_FILTER_NAME,
} from './listener-access-log.js';

export function accessLogPerFilter(r: RouteIR): Record<string, object> {
  if (!r.silenceAccessLog) return {};
  return {
    [SET_METADATA_FILTER_NAME]: {
      '@type': TYPES.setMetadata,
      metadata: [
        {
          metadata_namespace: ACCESS_LOG_METADATA_NAMESPACE,
          value: { [ACCESS_LOG_METADATA_KEY]: false },
        },
      ],
    },
  };
}
