/**
 * `google.protobuf.Struct` from its proto3 JSON form (a plain object) to the object form protobufjs'
 * fromObject reads (`{fields: {k: {stringValue: ...}}}`: the struct.proto the root gets is the camelCase one grpc-js bundles, see discovery-messages.ts). Route
 * metadata (`filter_metadata`) is the only Struct the translators write.
 */

function valueFromJson(v: unknown): object {
  if (v === null) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(valueFromJson) } };
  if (typeof v === 'object') return { structValue: structFromJson(v) };
  throw new Error(`a ${typeof v} has no google.protobuf.Value form`);
}

export function structFromJson(obj: object): { fields: Record<string, object> } {
  return {
    fields: Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, valueFromJson(v as unknown)])),
  };
}
