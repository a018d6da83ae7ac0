/**
 * Fields of Envoy 1.40's API that the protos shipped in @grpc/grpc-js-xds (about Envoy 1.33) lack, added
 * to the loaded protobufjs types so the translators can encode them. Each was checked against Envoy
 * 1.40's API (envoyproxy/envoy api/.../xff/v3/xff.proto) and by the real binary: `envoy --mode validate`
 * accepts the field names, and test/e2e/policy-client-ip-cidrs.test.ts shows a gateway fed these
 * numbers over xDS behaves as the fields say. A field the shipped protos already have is left alone
 * (a newer package); one whose number is taken by another field is an error at load.
 *
 *   envoy.extensions.http.original_ip_detection.xff.v3.XffConfig
 *     XffTrustedCidrs xff_trusted_cidrs = 2;     // message XffTrustedCidrs { repeated CidrRange cidrs = 1; }
 *     google.protobuf.BoolValue skip_xff_append = 3;
 */
import protobuf from 'protobufjs';

const XFF_CONFIG = 'envoy.extensions.http.original_ip_detection.xff.v3.XffConfig';

function addField(type: protobuf.Type, name: string, id: number, fieldType: string, rule?: string): void {
  const existing = type.fields[name];
  if (existing !== undefined) {
    if (existing.id !== id)
      throw new Error(`${type.fullName}.${name} is field ${existing.id}, expected ${id}`);
    return;
  }
  const taken = type.fieldsById[id];
  if (taken !== undefined) throw new Error(`${type.fullName}: field ${id} is ${taken.name}, not ${name}`);
  type.add(new protobuf.Field(name, id, fieldType, rule));
}

/** Adds the fields above to `root` (after loading, before resolveAll). */
export function addEnvoyFields(root: protobuf.Root): void {
  const xff = root.lookupType(XFF_CONFIG);
  const pkg = xff.parent as protobuf.Namespace;
  if (pkg.get('XffTrustedCidrs') === null) {
    const cidrs = new protobuf.Type('XffTrustedCidrs');
    cidrs.add(new protobuf.Field('cidrs', 1, '.envoy.config.core.v3.CidrRange', 'repeated'));
    pkg.add(cidrs);
  }
  addField(xff, 'xff_trusted_cidrs', 2, 'XffTrustedCidrs');
  addField(xff, 'skip_xff_append', 3, '.google.protobuf.BoolValue');
}
