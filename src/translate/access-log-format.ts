/**
 * What a gateway's access log may say: the Envoy command operators an access log format may use (a
 * fixed allow-list), the default JSON fields and text lines (HTTP and TCP), and the checks of a custom
 * JSON field map or text line. Pure.
 *
 * Why an allow-list: an access log format is a template Envoy fills per request, and some operators
 * would copy secrets or personal data into logs that many people read (`%REQ(AUTHORIZATION)%`,
 * `%REQ(COOKIE)%`, `%DOWNSTREAM_PEER_CERT%`, dynamic metadata and filter state). Only the operators
 * below pass; request and response headers only from a short list of harmless ones. Anything else is
 * refused with the list of what is allowed (docs/configuration.md, "Access logs").
 */

/** Operators without an argument (`%NAME%`). */
const PLAIN_OPERATORS: readonly string[] = [
  'BYTES_RECEIVED',
  'BYTES_SENT',
  'CONNECTION_ID',
  'CONNECTION_TERMINATION_DETAILS',
  'DOWNSTREAM_DIRECT_REMOTE_ADDRESS',
  'DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_LOCAL_ADDRESS',
  'DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_REMOTE_ADDRESS',
  'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_TLS_CIPHER',
  'DOWNSTREAM_TLS_VERSION',
  'DURATION',
  'HOSTNAME',
  'PROTOCOL',
  'REQUEST_DURATION',
  'REQUESTED_SERVER_NAME',
  'RESPONSE_CODE',
  'RESPONSE_CODE_DETAILS',
  'RESPONSE_DURATION',
  'RESPONSE_FLAGS',
  'RESPONSE_FLAGS_LONG',
  'RESPONSE_TX_DURATION',
  'ROUTE_NAME',
  'START_TIME',
  'UPSTREAM_CLUSTER',
  'UPSTREAM_HOST',
  'UPSTREAM_LOCAL_ADDRESS',
  'UPSTREAM_REQUEST_ATTEMPT_COUNT',
  'UPSTREAM_TRANSPORT_FAILURE_REASON',
];

/** Request headers `%REQ(...)%` may name (never credentials or cookies). */
const REQUEST_HEADERS: readonly string[] = [
  ':AUTHORITY',
  ':METHOD',
  ':PATH',
  ':SCHEME',
  'ACCEPT',
  'ACCEPT-ENCODING',
  'CONTENT-LENGTH',
  'CONTENT-TYPE',
  'ORIGIN',
  'REFERER',
  'USER-AGENT',
  'X-ENVOY-ORIGINAL-PATH?:PATH',
  'X-FORWARDED-FOR',
  'X-FORWARDED-PROTO',
  'X-REQUEST-ID',
];

/** Response headers `%RESP(...)%` may name. */
const RESPONSE_HEADERS: readonly string[] = [
  'CONTENT-LENGTH',
  'CONTENT-TYPE',
  'LOCATION',
  'X-ENVOY-UPSTREAM-SERVICE-TIME',
];

/** One operator as it may appear: `%NAME%`, `%REQ(H)%`, `%RESP(H)%`, the last two with an optional `:LEN`. */
const OPERATOR = /^%([A-Z_]+)(?:\(([^()%]*)\))?(?::(\d{1,4}))?%$/;

/** The allowed operators, for messages. */
export const ALLOWED_OPERATORS_TEXT = `${PLAIN_OPERATORS.map((o) => `%${o}%`).join(', ')}; %REQ(h)% for h in ${REQUEST_HEADERS.join(', ')}; %RESP(h)% for h in ${RESPONSE_HEADERS.join(', ')} (REQ and RESP may end in :LENGTH)`;

/** Why `op` (one `%...%` operator) is not allowed, or undefined when it is. */
export function operatorProblem(op: string): string | undefined {
  const m = OPERATOR.exec(op);
  if (!m) return `${JSON.stringify(op)} is not a command operator like %RESPONSE_CODE%`;
  const [, name, arg, len] = m as unknown as [string, string, string | undefined, string | undefined];
  if (arg === undefined && len === undefined && PLAIN_OPERATORS.includes(name)) return undefined;
  const headers = name === 'REQ' ? REQUEST_HEADERS : name === 'RESP' ? RESPONSE_HEADERS : undefined;
  if (headers !== undefined && arg !== undefined && headers.includes(arg.toUpperCase())) return undefined;
  return `${op} is not an allowed operator (allowed: ${ALLOWED_OPERATORS_TEXT})`;
}

/** The canonical spelling of an allowed operator (header names upper case, as Envoy's docs write them). */
function canonical(op: string): string {
  return op.replace(/^%(REQ|RESP)\(([^()]*)\)/, (_, f: string, h: string) => `%${f}(${h.toUpperCase()})`);
}

export const MAX_FIELDS = 64;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
export const MAX_TEXT_FORMAT_LENGTH = 1024;

/** A custom JSON map (field name -> one operator), sorted by name; or why it is refused. */
export function checkFields(
  raw: Readonly<Record<string, unknown>>,
): { ok: true; value: Readonly<Record<string, string>> } | { ok: false; error: string } {
  const names = Object.keys(raw).sort();
  if (names.length === 0 || names.length > MAX_FIELDS)
    return { ok: false, error: `must map 1 to ${MAX_FIELDS} field names to an operator each` };
  const out: Record<string, string> = {};
  for (const n of names) {
    if (!FIELD_NAME.test(n))
      return { ok: false, error: `field name ${JSON.stringify(n)} must match ${FIELD_NAME.source}` };
    const v = raw[n];
    if (typeof v !== 'string') return { ok: false, error: `field ${n} must be one operator like %DURATION%` };
    const problem = operatorProblem(v.trim());
    if (problem !== undefined) return { ok: false, error: `field ${n}: ${problem}` };
    out[n] = canonical(v.trim());
  }
  return { ok: true, value: out };
}

/** A custom text line: printable ASCII, `%` only as part of allowed operators; or why it is refused. */
export function checkTextFormat(raw: string): { ok: true; value: string } | { ok: false; error: string } {
  if (raw.length === 0 || raw.length > MAX_TEXT_FORMAT_LENGTH)
    return { ok: false, error: `must be 1 to ${MAX_TEXT_FORMAT_LENGTH} characters` };
  if (!/^[\x20-\x7e]*$/.test(raw))
    return { ok: false, error: 'must be printable ASCII on one line (the gateway ends each line)' };
  const parts = raw.split(/(%[^%]*%)/);
  for (const [i, p] of parts.entries()) {
    if (i % 2 === 0) {
      if (p.includes('%'))
        return { ok: false, error: 'has a lone % (every % must open or close an allowed operator)' };
      continue;
    }
    const problem = operatorProblem(p);
    if (problem !== undefined) return { ok: false, error: problem };
  }
  return { ok: true, value: parts.map((p, i) => (i % 2 === 1 ? canonical(p) : p)).join('') };
}

/** The default JSON fields of an HTTP request's line (docs/configuration.md lists them). */
export const DEFAULT_HTTP_FIELDS: Readonly<Record<string, string>> = {
  authority: '%REQ(:AUTHORITY)%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  client_address: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%',
  duration_ms: '%DURATION%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  request_id: '%REQ(X-REQUEST-ID)%',
  response_flags: '%RESPONSE_FLAGS%',
  route_name: '%ROUTE_NAME%',
  start_time: '%START_TIME%',
  status: '%RESPONSE_CODE%',
  upstream_cluster: '%UPSTREAM_CLUSTER%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_service_time_ms: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  user_agent: '%REQ(USER-AGENT)%',
};

/** The default JSON fields of a TCP connection's line. */
export const DEFAULT_TCP_FIELDS: Readonly<Record<string, string>> = {
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  client_address: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%',
  duration_ms: '%DURATION%',
  listener_address: '%DOWNSTREAM_LOCAL_ADDRESS%',
  response_flags: '%RESPONSE_FLAGS%',
  start_time: '%START_TIME%',
  upstream_cluster: '%UPSTREAM_CLUSTER%',
  upstream_host: '%UPSTREAM_HOST%',
};

/** The default text line of an HTTP request (`format: text` without `textFormat`), close to Envoy's own. */
export const DEFAULT_HTTP_TEXT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %ROUTE_NAME%';

/** The default text line of a TCP connection. */
export const DEFAULT_TCP_TEXT =
  '[%START_TIME%] %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% -> %DOWNSTREAM_LOCAL_ADDRESS% %UPSTREAM_CLUSTER% %UPSTREAM_HOST% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%';
