import { isObject } from '@mycel/core';
import type { JsonObject } from '@mycel/core';
import { UnknownEnvoyTypeError, lookupMessageType, typeNameOfUrl } from '@mycel/xds';

type MessageType = ReturnType<typeof lookupMessageType>;
type FieldType = MessageType['fieldsArray'][number];

const WRAPPERS = new Set([
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
]);

/** Proto3 JSON duration: seconds with up to 9 fractional digits and an `s` suffix (`1s`, `0.250s`). */
const DURATION = /^(-)?([0-9]+)(?:\.([0-9]{1,9}))?s$/;

/**
 * Converts a message written in proto3 JSON (proto field names; what Envoy reads from a bootstrap
 * file) to the object form `encodeMessage` and `checkValidateRules` take: durations (`"1s"`) become
 * `{seconds, nanos}`, Struct/Value/ListValue become their `fields`/`kind` messages, wrapper types
 * become `{value}`, and `Any` payloads (`{"@type": …}`) are converted by their own type. Anything
 * else is copied as is — including values that do not fit, which the strict encoder then reports
 * with their paths.
 */
export function protoJsonToObject(typeName: string, json: unknown): unknown {
  return convertMessage(lookupMessageType(typeName), json);
}

function convertMessage(type: MessageType, value: unknown): unknown {
  const name = type.fullName.replace(/^\./, '');
  if (name === 'google.protobuf.Duration') return typeof value === 'string' ? parseDuration(value) ?? value : value;
  if (name === 'google.protobuf.Struct') return isObject(value) ? toStruct(value) : value;
  if (name === 'google.protobuf.Value') return toValue(value);
  if (name === 'google.protobuf.ListValue') return Array.isArray(value) ? { values: value.map(toValue) } : value;
  if (WRAPPERS.has(name)) return isObject(value) ? value : { value };
  if (!isObject(value)) return value;
  if (name === 'google.protobuf.Any' && typeof value['@type'] === 'string') return convertAny(value['@type'], value);
  const out: JsonObject = {};
  for (const [key, fieldValue] of Object.entries(value)) {
    const field = type.fields[key];
    out[key] = field === undefined || fieldValue === undefined || fieldValue === null ? fieldValue : convertField(field, fieldValue);
  }
  return out;
}

function convertAny(url: string, value: JsonObject): unknown {
  let payloadType: MessageType;
  try {
    payloadType = lookupMessageType(typeNameOfUrl(url));
  } catch (err) {
    // An unknown payload type is left for the encoder, which names it with its path.
    if (err instanceof UnknownEnvoyTypeError) return value;
    throw err;
  }
  const { '@type': type, ...payload } = value;
  const converted = convertMessage(payloadType, payload);
  return isObject(converted) ? { '@type': type, ...converted } : value;
}

function convertField(field: FieldType, value: unknown): unknown {
  if (field.map) {
    if (!isObject(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convertSingle(field, v)]));
  }
  if (field.repeated) return Array.isArray(value) ? value.map((item: unknown) => convertSingle(field, item)) : value;
  return convertSingle(field, value);
}

function convertSingle(field: FieldType, value: unknown): unknown {
  const resolved = field.resolvedType;
  if (resolved !== null && 'fieldsArray' in resolved) return convertMessage(resolved, value);
  return value;
}

function parseDuration(text: string): JsonObject | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  const seconds = Number(m[2]);
  const nanos = Number((m[3] ?? '').padEnd(9, '0'));
  if (!Number.isSafeInteger(seconds)) return undefined;
  return { ...(seconds === 0 ? {} : { seconds: sign * seconds }), ...(nanos === 0 ? {} : { nanos: sign * nanos }) };
}

function toStruct(value: JsonObject): JsonObject {
  return { fields: Object.fromEntries(Object.keys(value).sort().map((k) => [k, toValue(value[k])])) };
}

function toValue(value: unknown): unknown {
  if (value === null) return { [valueField('null_value')]: 'NULL_VALUE' };
  if (typeof value === 'string') return { [valueField('string_value')]: value };
  if (typeof value === 'number') return { [valueField('number_value')]: value };
  if (typeof value === 'boolean') return { [valueField('bool_value')]: value };
  if (Array.isArray(value)) return { [valueField('list_value')]: { values: value.map(toValue) } };
  if (isObject(value)) return { [valueField('struct_value')]: toStruct(value) };
  return value;
}

/**
 * The name `google.protobuf.Value` gives a field in the loaded root: protobufjs serves its bundled
 * well-known types with camelCase names (`stringValue`), while protos loaded with `keepCase` keep
 * `string_value`; whichever the root holds is the one the encoder accepts.
 */
function valueField(protoName: string): string {
  const fields = lookupMessageType('google.protobuf.Value').fields;
  if (fields[protoName] !== undefined) return protoName;
  return protoName.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}
