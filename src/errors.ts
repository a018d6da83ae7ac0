/**
 * The one catalog of errors and diagnostics, with stable codes.
 * A code never changes meaning once released; `docs/errors.md` documents every code (a test checks it).
 */

export type Severity = 'error' | 'warning';

export interface CatalogEntry {
  readonly severity: Severity;
  /** Kubernetes Event reason (UpperCamelCase). */
  readonly reason: string;
  readonly summary: string;
}

export const ERRORS = {
  // Manifests folder
  CW_E_MANIFEST_YAML: {
    severity: 'error',
    reason: 'ManifestInvalidYAML',
    summary: 'A manifest file or document is not valid YAML.',
  },
  CW_E_MANIFEST_OBJECT: {
    severity: 'error',
    reason: 'ManifestInvalidObject',
    summary: 'A document is not a Kubernetes object of a kind Causeway reads, or misses required fields.',
  },
  CW_E_MANIFEST_READ: {
    severity: 'error',
    reason: 'ManifestUnreadable',
    summary: 'A manifest file could not be read.',
  },
  CW_E_MANIFEST_TOO_LARGE: {
    severity: 'error',
    reason: 'ManifestTooLarge',
    summary:
      'A manifest file is over the per-file size cap, or would bring the folder over the total cap; it is not read and its last good version stays in force.',
  },
  CW_E_MANIFEST_DUPLICATE: {
    severity: 'warning',
    reason: 'ManifestDuplicate',
    summary: 'The same object is defined twice; the later definition is ignored.',
  },
  // Kubernetes source
  CW_E_KUBE_OBJECT: {
    severity: 'error',
    reason: 'InvalidObject',
    summary:
      'An object read from a cluster lacks a field Causeway relies on or has a wrong shape; its last good version stays in force.',
  },
  CW_E_KUBE_UNAVAILABLE: {
    severity: 'error',
    reason: 'ClusterUnavailable',
    summary:
      'A kind could not be listed from a cluster in time (apiserver unreachable, credentials rejected, or access forbidden).',
  },
  // Ingress
  CW_E_INGRESS_PATH_INVALID: {
    severity: 'error',
    reason: 'InvalidPath',
    summary: 'An Ingress path is invalid for its pathType.',
  },
  CW_E_INGRESS_HOST_INVALID: {
    severity: 'error',
    reason: 'InvalidHost',
    summary: 'An Ingress host is not a valid DNS name or single-label wildcard.',
  },
  CW_E_INGRESS_BACKEND_INVALID: {
    severity: 'error',
    reason: 'InvalidBackend',
    summary: 'An Ingress backend is missing, names a resource backend, or has no usable port.',
  },
  CW_E_OBJECT_NAME_INVALID: {
    severity: 'error',
    reason: 'InvalidName',
    summary:
      "An object's name or namespace, or the name of the TLS Secret it refers to, is not a valid Kubernetes name (a manifests folder is not checked by an apiserver); the object (or its TLS) is left out, the rest of its gateway group is unaffected.",
  },
  CW_E_INGRESS_NO_RULES: {
    severity: 'warning',
    reason: 'NoRules',
    summary: 'The Ingress has neither rules nor a default backend.',
  },
  CW_E_ROUTE_CONFLICT: {
    severity: 'warning',
    reason: 'RouteConflict',
    summary: 'Another, older Ingress already serves this host and path; this one is ignored for it.',
  },
  CW_E_DEFAULT_BACKEND_CONFLICT: {
    severity: 'warning',
    reason: 'DefaultBackendConflict',
    summary: 'Another, older Ingress already sets the default backend of this gateway group.',
  },
  CW_E_TCP_PORT_CONFLICT: {
    severity: 'warning',
    reason: 'TCPPortConflict',
    summary:
      "The gateway TCP port is already taken in the group (by an older Service, or the group's HTTP/HTTPS/health port); this Service is not exposed.",
  },
  CW_E_UDP_PORT_CONFLICT: {
    severity: 'warning',
    reason: 'UDPPortConflict',
    summary:
      'The gateway UDP port is already taken in the group by an older Service; this Service is not exposed on it.',
  },
  CW_E_HEALTH_PORT_CONFLICT: {
    severity: 'error',
    reason: 'HealthPortConflict',
    summary:
      "The gateway group's health port (`healthPort` in the config) equals its HTTP or HTTPS port; the group gets no health listener.",
  },
  CW_E_METRICS_PORT_CONFLICT: {
    severity: 'error',
    reason: 'MetricsPortConflict',
    summary:
      "The gateway group's metrics port (`metricsPort` in the config) equals its HTTP, HTTPS or health port or a TCP service's port; the group gets no metrics listener.",
  },
  CW_E_ANNOTATION_INVALID: {
    severity: 'error',
    reason: 'InvalidAnnotation',
    summary: 'An annotation value is invalid; the default is used instead.',
  },
  CW_E_CANARY_WITHOUT_MAIN: {
    severity: 'warning',
    reason: 'CanaryWithoutMain',
    summary:
      'A canary Ingress (`causeway.dev/canary`) has a host and path that no main Ingress of its namespace and gateway group serves; that path of the canary is ignored.',
  },
  // Gateway API
  CW_E_GATEWAY_API_REF: {
    severity: 'warning',
    reason: 'GatewayApiRefUnresolved',
    summary:
      'A Gateway API backendRef or mirror names a missing Service or port, a kind other than Service, or another namespace without a ReferenceGrant; it gets no traffic (a rule with no usable backend answers 500).',
  },
  CW_E_GATEWAY_API_VALUE: {
    severity: 'warning',
    reason: 'GatewayApiValueInvalid',
    summary:
      'A Gateway API field has a value Causeway cannot serve (a bad match, duration or certificate); the match or setting is left out and the status says why.',
  },
  // Services and endpoints
  CW_E_SERVICE_NOT_FOUND: {
    severity: 'warning',
    reason: 'ServiceNotFound',
    summary: 'The backend Service does not exist; its routes answer 503.',
  },
  CW_E_SERVICE_PORT_NOT_FOUND: {
    severity: 'warning',
    reason: 'ServicePortNotFound',
    summary: 'The backend Service has no such port; its routes answer 503.',
  },
  CW_E_SERVICE_UNSUPPORTED: {
    severity: 'warning',
    reason: 'ServiceUnsupported',
    summary: 'The backend Service type is not supported (ExternalName); its routes answer 503.',
  },
  CW_E_ENDPOINTS_NONE: {
    severity: 'warning',
    reason: 'NoEndpoints',
    summary: 'The backend Service has no ready or serving endpoints; its routes answer 503.',
  },
  CW_E_ENDPOINTS_TERMINATING_FALLBACK: {
    severity: 'warning',
    reason: 'TerminatingFallback',
    summary: 'No endpoint is ready; traffic goes to serving, terminating endpoints.',
  },
  CW_E_ENDPOINT_INVALID: {
    severity: 'warning',
    reason: 'InvalidEndpoint',
    summary:
      "An EndpointSlice endpoint cannot be routed to (its address is not an IP of the slice's addressType, its zone is not well-formed text or too long, its port is out of range) or the slice is of addressType FQDN; it is left out and the Service's other endpoints are served.",
  },
  CW_E_VM_SERVICE_NOT_FOUND: {
    severity: 'warning',
    reason: 'VMServiceNotFound',
    summary:
      'A VM backend of the config file (`vms:`) names a Service, or a Service port, that does not exist; its VMs are unused until it does.',
  },
  // TLS
  CW_E_TLS_SECRET_NOT_FOUND: {
    severity: 'error',
    reason: 'TLSSecretNotFound',
    summary: 'The TLS Secret does not exist; its hosts are not served over HTTPS.',
  },
  CW_E_TLS_SECRET_INVALID: {
    severity: 'error',
    reason: 'TLSSecretInvalid',
    summary: 'The TLS Secret is not of type kubernetes.io/tls or lacks a PEM certificate and key.',
  },
  CW_E_TLS_PRIVATE_KEY_IN_CERTIFICATE: {
    severity: 'error',
    reason: 'TLSPrivateKeyInCertificate',
    summary:
      "The TLS Secret's `tls.crt` holds a PEM `PRIVATE KEY` block (a combined certificate + key file); it must hold only CERTIFICATE blocks. The Secret is refused so that the key never reaches a gateway as a certificate; its hosts are not served over HTTPS.",
  },
  CW_E_TLS_HOST_CONFLICT: {
    severity: 'warning',
    reason: 'TLSHostConflict',
    summary: 'Another, older Ingress already sets the certificate of this host.',
  },
  CW_E_TLS_HOST_WITHOUT_RULE: {
    severity: 'warning',
    reason: 'TLSHostWithoutRule',
    summary: 'A TLS host has no rule in the gateway group; HTTPS requests for it get 404.',
  },
  CW_E_TLS_PASSTHROUGH_CONFLICT: {
    severity: 'warning',
    reason: 'TLSPassthroughConflict',
    summary:
      'A host is passed through (`causeway.dev/ssl-passthrough`) by another, older Ingress of the gateway group, or one Ingress terminates a host with a certificate and another passes it through: the older of the two keeps the host.',
  },
  CW_E_TLS_PASSTHROUGH_PATHS_IGNORED: {
    severity: 'warning',
    reason: 'TLSPassthroughPathsIgnored',
    summary:
      "A passthrough host has several paths or no host at all: TLS connections carry no path, so only the backend of path `/` (else the first path) gets the host's connections; rules without a host cannot be passed through (no SNI to match).",
  },
  // TLS to backends (causeway.dev/backend-protocol HTTPS or GRPCS)
  CW_E_BACKEND_TLS_NO_CA: {
    severity: 'error',
    reason: 'BackendTLSNoCA',
    summary:
      'The Service speaks HTTPS or GRPCS but names no CA to verify its certificate (`causeway.dev/backend-tls-ca-secret`) and does not turn verification off; its routes answer 503 (never silently unverified).',
  },
  CW_E_BACKEND_CA_SECRET_NOT_FOUND: {
    severity: 'error',
    reason: 'BackendCASecretNotFound',
    summary:
      "The CA Secret named by `causeway.dev/backend-tls-ca-secret` does not exist in the Service's namespace (only Secrets of type kubernetes.io/tls or Opaque are read); the Service's routes answer 503.",
  },
  CW_E_BACKEND_CA_SECRET_INVALID: {
    severity: 'error',
    reason: 'BackendCASecretInvalid',
    summary:
      "The CA Secret has no usable `ca.crt` (missing, not PEM certificates, or holding a PEM private key, which is refused so that it never reaches a gateway); the Service's routes answer 503.",
  },
  CW_E_CLIENT_CA_SECRET_NOT_FOUND: {
    severity: 'error',
    reason: 'ClientCASecretNotFound',
    summary:
      "The CA Secret named by `causeway.dev/auth-tls-secret` does not exist (only Secrets of type kubernetes.io/tls or Opaque are read); the Ingress's TLS hosts answer 403 to every request.",
  },
  CW_E_CLIENT_CA_SECRET_INVALID: {
    severity: 'error',
    reason: 'ClientCASecretInvalid',
    summary:
      "The client CA Secret has no usable `ca.crt` (missing, not PEM certificates, or holding a PEM private key); the Ingress's TLS hosts answer 403 to every request.",
  },
  CW_E_CLIENT_CERT_CONFLICT: {
    severity: 'warning',
    reason: 'ClientCertConflict',
    summary:
      'An older Ingress already sets the client-certificate authentication of this host (TLS is per host); its settings apply to this Ingress on that host.',
  },
  CW_E_CLIENT_CERT_NOT_APPLIED: {
    severity: 'warning',
    reason: 'ClientCertNotApplied',
    summary:
      'An Ingress with client-certificate settings has rules without a host or a default backend (served without a client certificate), or hosts without a TLS certificate (not served over HTTPS; plain HTTP answers 403).',
  },
  CW_E_BACKEND_TLS_UNVERIFIED: {
    severity: 'warning',
    reason: 'BackendTLSUnverified',
    summary:
      'The Service turns backend certificate verification off (`causeway.dev/backend-tls-verify: "false"`): traffic to it is encrypted but not authenticated. Reported on every translation while it lasts.',
  },
  // ALB mode
  CW_E_ALB_ANNOTATION_INVALID: {
    severity: 'error',
    reason: 'InvalidALBAnnotation',
    summary:
      'An alb.causeway.dev/ annotation value is invalid: a group, listener or certificate setting leaves the Ingress out of its IngressGroup (the rest of the group keeps working); a target group setting falls back to its default.',
  },
  CW_E_ALB_GROUP_CONFLICT: {
    severity: 'error',
    reason: 'ALBGroupConflict',
    summary:
      'The Ingress sets a group setting (scheme, subnets, ...) differently from an Ingress that comes first in its IngressGroup; it is left out of the group.',
  },
  CW_E_ALB_ACTION_INVALID: {
    severity: 'warning',
    reason: 'ALBActionInvalid',
    summary:
      'A backend with port name use-annotation names an action that is missing, invalid or refers to an unusable Service; its rule answers 503.',
  },
  CW_E_ALB_PATH_UNSUPPORTED: {
    severity: 'error',
    reason: 'ALBPathUnsupported',
    summary:
      'A path an ALB cannot match literally (it holds the wildcard `*`, or is longer than 128 characters); the path is ignored.',
  },
  CW_E_ALB_CERTIFICATE_NOT_FOUND: {
    severity: 'warning',
    reason: 'ALBCertificateNotFound',
    summary:
      "No certificate ARN is annotated and no ACM certificate covers a TLS host; HTTPS clients for it get the listener's default certificate.",
  },
  CW_E_ALB_LISTENER_WITHOUT_CERTIFICATE: {
    severity: 'error',
    reason: 'ALBListenerWithoutCertificate',
    summary: 'An HTTPS listen port of the group has no certificate at all; the listener is not created.',
  },
  CW_E_ALB_SSL_REDIRECT_WITHOUT_HTTPS: {
    severity: 'warning',
    reason: 'ALBSSLRedirectWithoutHTTPS',
    summary:
      'ssl-redirect is set but the group has no usable HTTPS listener (or not the port named); HTTP listeners keep serving the rules.',
  },
  CW_E_ALB_SUBNETS: {
    severity: 'error',
    reason: 'ALBSubnets',
    summary:
      'The load balancer has subnets in fewer than two availability zones (none tagged for the scheme, or too few annotated); AWS refuses to create it.',
  },
  CW_E_ALB_RULE_LIMIT: {
    severity: 'error',
    reason: 'ALBRuleLimit',
    summary:
      "One host (with its wildcard) needs more rules than one load balancer holds (100 with the group's host-less rules); the least specific rules beyond the limit are left out.",
  },
  CW_E_ALB_APPLY_FAILED: {
    severity: 'error',
    reason: 'ALBApplyFailed',
    summary:
      "AWS refused or kept failing a change of the group's load balancers (after bounded retries); the changes before it are in place and the next reconcile goes on from there.",
  },
  CW_E_ALB_AWS_UNAVAILABLE: {
    severity: 'error',
    reason: 'ALBAWSUnavailable',
    summary:
      'AWS could not be read (unreachable, throttled past the retries, or credentials rejected); the group is reconciled again later, nothing is deleted meanwhile.',
  },
  CW_E_ALB_NAME_CONFLICT: {
    severity: 'error',
    reason: 'ALBNameConflict',
    summary:
      'A load balancer or target group with the stable name Causeway needs exists without our ownership tags; Causeway does not touch it, and the resource is not created.',
  },
  // Config and CLI
  CW_E_CONFIG_INVALID: {
    severity: 'error',
    reason: 'ConfigInvalid',
    summary: 'The controller configuration file is invalid.',
  },
  CW_E_LISTEN: {
    severity: 'error',
    reason: 'ListenFailed',
    summary: 'A server could not bind its address (already in use, or not permitted).',
  },
  CW_E_USAGE: {
    severity: 'error',
    reason: 'Usage',
    summary: 'A command was called with wrong flags or arguments.',
  },
  CW_E_ADMIN_REFUSED: {
    severity: 'warning',
    reason: 'AdminRequestRefused',
    summary:
      'The admin server refused a request: a `Host` not in the allow-list (421, DNS rebinding), a cross-site browser request (403), or a mutating request without the right bearer token (401). See `docs/security.md`.',
  },
  // xDS
  CW_E_XDS_RESOURCE_INVALID: {
    severity: 'error',
    reason: 'InvalidGatewayResource',
    summary:
      'A resource built for a gateway breaks a rule Envoy enforces (an empty name, a port out of range, an address that is not an IP, a string that is not well-formed UTF-8 or holds a control character, a string over the length cap); it is left out (a ClusterLoadAssignment loses only its bad endpoints) so that the gateway does not reject the whole update.',
  },
  CW_E_INTERNAL_OBJECT: {
    severity: 'error',
    reason: 'InternalError',
    summary:
      'Translating this object failed on an internal error (a bug in Causeway; please report it with the message). The object is left out; the rest of its gateway group is translated and later changes still apply.',
  },
  CW_E_XDS_NACK: {
    severity: 'warning',
    reason: 'GatewayRejectedConfig',
    summary: 'A gateway rejected a configuration resource (NACK).',
  },
  CW_E_GATEWAY_NACK: {
    severity: 'warning',
    reason: 'GatewayRejectedConfig',
    summary:
      'A gateway rejected (NACKed) a resource built from this object; it keeps serving its last accepted version of that resource until a changed one is accepted. See `docs/nack.md`.',
  },
  CW_E_XDS_TLS: {
    severity: 'error',
    reason: 'XdsTLSInvalid',
    summary:
      "The xDS server's TLS certificate, key or client CA file is unreadable or inconsistent (at start: the controller exits; on reload: the previous files stay in force).",
  },
  CW_E_XDS_FORBIDDEN: {
    severity: 'warning',
    reason: 'GatewayStreamRefused',
    summary:
      "An xDS stream was refused (PERMISSION_DENIED): its client certificate names no gateway group, or another group than the node's cluster.",
  },
  CW_E_XDS_CLIENT_LIMIT: {
    severity: 'warning',
    reason: 'GatewayStreamCut',
    summary:
      'An xDS stream was cut off because its client exceeded a limit: no first request within the handshake timeout (DEADLINE_EXCEEDED), more requests waiting than the per-stream cap, or (Delta) more subscribed names than a stream may have (RESOURCE_EXHAUSTED).',
  },
} as const satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof ERRORS;

/** What a diagnostic is attached to. */
export interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly cluster?: string;
  readonly file?: string;
  readonly documentIndex?: number;
}

/** A user-facing problem, attached to the object it came from. Never thrown. */
export interface Diagnostic {
  readonly code: ErrorCode;
  readonly severity: Severity;
  readonly object: ObjectRef;
  readonly message: string;
}

export function diagnostic(code: ErrorCode, object: ObjectRef, message: string): Diagnostic {
  return { code, severity: ERRORS[code].severity, object, message };
}

/** An error that stops a command (bad flags, unreadable input): printed with its code, exit status 2. */
export class CausewayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'CausewayError';
  }
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  const ka = `${a.object.kind}/${a.object.namespace ?? ''}/${a.object.name}/${a.code}/${a.message}`;
  const kb = `${b.object.kind}/${b.object.namespace ?? ''}/${b.object.name}/${b.code}/${b.message}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
