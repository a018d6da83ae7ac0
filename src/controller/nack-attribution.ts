/**
 * NACK attribution (pure): which objects produced an xDS resource a gateway rejected, read from the
 * source map of the xDS translation that is served (xds/translator/source-map.ts: every resource, by
 * group, type URL and name, with the Services, Ingresses or gateway group it was built from).
 *
 * `attributeNack` narrows a NACK to the resources its error names when it can: Envoy's error_detail
 * usually quotes the failing resources (`Error adding/updating listener(s) tcp/9092: ...`, `cluster:
 * 'service/ns/web/80' ...`), and a SotW NACK lists every resource of the type. When the message names
 * none of them (e.g. `Failed to load certificate chain from <inline>`), every resource of the rejected
 * response is blamed.
 */
import type { ObjectRef } from '../errors.js';
import { resourceKindOf } from '../../xds/protos/envoy-protos.js';
import { sourcesOf, uniqueRefs, type XdsSourceMap } from '../../xds/translator/source-map.js';

/** One rejected resource and the objects it came from (empty when the source map does not know it). */
export interface AttributedResource {
  readonly typeUrl: string;
  readonly name: string;
  readonly objects: readonly ObjectRef[];
}

export interface NackAttribution {
  /** The resources blamed, sorted by name. */
  readonly resources: readonly AttributedResource[];
  /** The union of their objects, sorted, without duplicates. */
  readonly objects: readonly ObjectRef[];
  /** True when the error message named some of the response's resources and only those are blamed. */
  readonly narrowed: boolean;
}

const NAME_CHAR = /[A-Za-z0-9_./-]/;

function isNameChar(c: string | undefined): boolean {
  return c !== undefined && c !== '' && NAME_CHAR.test(c);
}

/** True when `name` appears in `message` as a whole token (not inside a longer name). */
function mentions(message: string, name: string): boolean {
  if (name === '') return false;
  for (let i = message.indexOf(name); i >= 0; i = message.indexOf(name, i + 1)) {
    const end = i + name.length;
    // A '.' right after the name ends a sentence unless a name character follows it.
    const after = message[end] === '.' ? message[end + 1] : message[end];
    if (!isNameChar(message[i - 1]) && !isNameChar(after)) return true;
  }
  return false;
}

/** The names of `resourceNames` that the error message names; empty when it names none. */
export function namesInError(message: string, resourceNames: readonly string[]): string[] {
  return [...new Set(resourceNames)].filter((n) => mentions(message, n)).sort();
}

/** Which resources (and objects) a NACK of `resourceNames` with `message` in `group` is about. */
export function attributeNack(
  sources: XdsSourceMap,
  group: string,
  typeUrl: string,
  resourceNames: readonly string[],
  message: string,
): NackAttribution {
  const named = namesInError(message, resourceNames);
  const blamed = named.length > 0 ? named : [...new Set(resourceNames)].sort();
  const resources = blamed.map((name) => ({
    typeUrl,
    name,
    objects: sourcesOf(sources, group, typeUrl, name) ?? [],
  }));
  return {
    resources,
    objects: uniqueRefs(resources.flatMap((r) => r.objects)),
    narrowed: named.length > 0,
  };
}

/** `Listener`, `Cluster`...: the short kind of a type URL for messages (the URL itself if unknown). */
export function resourceTypeName(typeUrl: string): string {
  const kind = resourceKindOf(typeUrl);
  switch (kind) {
    case 'cluster':
      return 'Cluster';
    case 'endpoint':
      return 'ClusterLoadAssignment';
    case 'secret':
      return 'Secret';
    case 'listener':
      return 'Listener';
    case 'route':
      return 'RouteConfiguration';
    default:
      return typeUrl;
  }
}

/** `namespace/name` (or `name`) of an object, with its cluster when known, for messages and logs. */
export function describeRef(ref: ObjectRef): string {
  const nn = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
  return `${ref.kind} ${nn}${ref.cluster ? ` (cluster ${ref.cluster})` : ''}`;
}
