/**
 * The data the shared Ingress reader produces, in its own terms (gateway mode maps it onto its IR, ALB
 * mode onto its rules and target groups): path matches, Service port references, selected endpoints,
 * and the record of an Ingress that is ours.
 */

/**
 * A validated Ingress path: Exact, element-wise Prefix on `/` (`/` matches every path), or (gateway mode
 * only, `causeway.dev/use-regex`) an RE2 regex in `path` that must match the start of the request path.
 */
export type PathMatch =
  | { readonly kind: 'exact'; readonly path: string }
  /** Element-wise prefix on `/`; `/` matches every path. */
  | { readonly kind: 'prefix'; readonly path: string }
  /** RE2 regex matched against the start of the path (a prefix match); never produced in ALB mode. */
  | { readonly kind: 'regex'; readonly path: string };

/** A resolved Ingress backend: one port of one Service. */
export interface ServicePortRef {
  readonly namespace: string;
  readonly name: string;
  /** The Service port number (named ports are resolved). */
  readonly port: number;
  /** The Service port's name ('' when unnamed): EndpointSlice ports are matched by it. */
  readonly portName: string;
  /** `UDP` for a UDP port (EndpointSlice ports must then say UDP too); absent: TCP. */
  readonly protocol?: 'UDP';
}

/** One endpoint chosen to receive traffic. */
export interface SelectedEndpoint {
  readonly address: string;
  readonly port: number;
  /** `ready`, or `terminating` when no endpoint was ready and serving+terminating ones are used. */
  readonly state: 'ready' | 'terminating';
}

/** The selected endpoints of one locality (cluster, zone), with its failover priority. */
export interface EndpointLocality {
  readonly cluster: string;
  readonly zone: string;
  /** 0 = preferred. */
  readonly priority: number;
  readonly endpoints: readonly SelectedEndpoint[];
}

/** An Ingress of our class, and the group that serves it (for status and Events). */
export interface ServedIngress {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly group: string;
}
