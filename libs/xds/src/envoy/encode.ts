import type { JsonObject, Violation } from '@mycel/core';
import { childPath, indexPath, isObject } from '@mycel/core';
import { Enum, Field, MapField, Type } from 'protobufjs';
import type { EncodedAny } from '../resource-types';
import { EnvoyShapeError, UnknownEnvoyTypeError, describeValue } from './errors';
import { lookupMessageType, qualifiedName, typeNameOfUrl, typeUrlOf } from './protos';

/**
 * A `google.protobuf.Any` in the JSON form protobufjs understands: `@type` is the payload's type
 * URL, the other keys are the payload's fields.
 */
export interface AnyJson {
  readonly '@type': string;
  readonly [field: string]: unknown;
}

/** Fully qualified name of `google.protobuf.Any`. */
const ANY_TYPE = 'google.protobuf.Any';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
const DECIMAL_INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const FLOAT_WORDS = new Set(['NaN', 'Infinity', '-Infinity']);

/**
 * Encodes `object` (proto field names, as protobufjs `fromObject` takes them) as the message its
 * type URL names. Checks the object first: an unknown field, a value of the wrong kind, an
 * out-of-range integer or two members of one oneof throw {@link EnvoyShapeError} naming every
 * problem with its path — `fromObject` alone would drop or coerce them silently. Nested `Any`
 * values written as {@link AnyJson} are checked against their payload type. Map keys are sorted
 * before encoding, so equal objects always give equal bytes.
 */
export function encodeResource(typeUrl: string, object: unknown): EncodedAny {
  return { type_url: typeUrl, value: encodeMessage(typeNameOfUrl(typeUrl), object) };
}

/** Like {@link encodeResource}, for a message named by its fully qualified type name; returns the bytes. */
export function encodeMessage(typeName: string, object: unknown): Buffer {
  const type = lookupMessageType(typeName);
  const normalized = normalizeMessage(type, object);
  const bytes = type.encode(type.fromObject(normalized)).finish();
  // protobufjs hands out a Buffer on Node; wrap (without copying) if it ever does not.
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Checks `object` against the message `typeName` (as {@link encodeResource} does) and returns it as
 * an {@link AnyJson} for a nested `typed_config`-style field, so the whole resource stays one plain
 * object that is encoded once. Throws {@link EnvoyShapeError} with paths relative to `object`.
 */
export function packAny(typeName: string, object: JsonObject): AnyJson {
  const type = lookupMessageType(typeName);
  const normalized = normalizeMessage(type, object);
  return { '@type': typeUrlOf(qualifiedName(type)), ...normalized };
}

/**
 * Checks `object` against the message `typeName` and returns the normalised copy `fromObject`
 * gets (map keys sorted). Throws {@link EnvoyShapeError} listing every problem.
 */
export function checkMessageShape(typeName: string, object: unknown): JsonObject {
  return normalizeMessage(lookupMessageType(typeName), object);
}

/**
 * Decodes an encoded resource into a plain object in the same form {@link encodeResource} takes:
 * proto field names, enums by name, 64-bit integers as decimal strings, bytes as base64, nested
 * `Any` values as {@link AnyJson}, fields at their default value omitted.
 */
export function decodeResource(any: EncodedAny): JsonObject {
  return decodeMessage(typeNameOfUrl(any.type_url), any.value);
}

/** Like {@link decodeResource}, for bytes of the message named `typeName`. */
export function decodeMessage(typeName: string, bytes: Uint8Array): JsonObject {
  const type = lookupMessageType(typeName);
  return type.toObject(type.decode(bytes), { longs: String, enums: String, bytes: String, json: true }) as JsonObject;
}

function normalizeMessage(type: Type, object: unknown): JsonObject {
  const out: Violation[] = [];
  const normalized = walkMessage(type, object, '', out);
  if (out.length > 0 || !isObject(normalized)) {
    throw new EnvoyShapeError(qualifiedName(type), out.length > 0 ? out : [{ field: '', reason: `must be an object, got ${describeValue(object)}` }]);
  }
  return normalized;
}

function walkMessage(type: Type, value: unknown, path: string, out: Violation[]): unknown {
  if (!isObject(value)) {
    out.push({ field: path, reason: `must be an object (${qualifiedName(type)}), got ${describeValue(value)}` });
    return value;
  }
  if (qualifiedName(type) === ANY_TYPE && Object.hasOwn(value, '@type')) return walkAnyJson(value, path, out);
  const result: JsonObject = {};
  for (const [key, fieldValue] of Object.entries(value)) {
    const field = type.fields[key];
    const fieldPath = childPath(path, key);
    if (field === undefined) {
      out.push({ field: fieldPath, reason: unknownFieldReason(type, key) });
      continue;
    }
    if (fieldValue === undefined) continue;
    if (fieldValue === null) {
      out.push({ field: fieldPath, reason: 'must not be null (omit the field instead)' });
      continue;
    }
    result[key] = walkField(field, fieldValue, fieldPath, out);
  }
  for (const oneof of type.oneofsArray) {
    const set = oneof.oneof.filter((name) => value[name] !== undefined && value[name] !== null);
    if (set.length > 1) out.push({ field: childPath(path, oneof.name), reason: `at most one of ${set.join(', ')} may be set (oneof ${oneof.name})` });
  }
  return result;
}

function walkAnyJson(value: JsonObject, path: string, out: Violation[]): unknown {
  const url = value['@type'];
  const typePath = childPath(path, '@type');
  if (typeof url !== 'string' || url === '') {
    out.push({ field: typePath, reason: `must be a type URL string, got ${describeValue(url)}` });
    return value;
  }
  let payloadType: Type;
  try {
    payloadType = lookupMessageType(typeNameOfUrl(url));
  } catch (err) {
    if (!(err instanceof UnknownEnvoyTypeError)) throw err;
    out.push({ field: typePath, reason: `names a message type that is not loaded: '${url}'` });
    return value;
  }
  const { '@type': _type, ...payload } = value;
  const normalized = walkMessage(payloadType, payload, path, out);
  return isObject(normalized) ? { '@type': url, ...normalized } : value;
}

function walkField(field: Field, value: unknown, path: string, out: Violation[]): unknown {
  if (field instanceof MapField) {
    if (!isObject(value)) {
      out.push({ field: path, reason: `must be an object (map<${field.keyType}, ${field.type}>), got ${describeValue(value)}` });
      return value;
    }
    const result: JsonObject = {};
    for (const key of Object.keys(value).sort()) {
      const keyPath = childPath(path, key);
      const keyProblem = mapKeyProblem(field.keyType, key);
      if (keyProblem !== undefined) out.push({ field: keyPath, reason: keyProblem });
      const entry = value[key];
      if (entry === undefined || entry === null) {
        out.push({ field: keyPath, reason: `must be a value, got ${describeValue(entry)}` });
        continue;
      }
      result[key] = walkSingle(field, entry, keyPath, out);
    }
    return result;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) {
      out.push({ field: path, reason: `must be an array, got ${describeValue(value)}` });
      return value;
    }
    return value.map((item: unknown, i) => {
      const itemPath = indexPath(path, i);
      if (item === undefined || item === null) {
        out.push({ field: itemPath, reason: `must be a value, got ${describeValue(item)}` });
        return item;
      }
      return walkSingle(field, item, itemPath, out);
    });
  }
  return walkSingle(field, value, path, out);
}

/** Checks one value of `field`'s element type (a message, an enum or a scalar). */
function walkSingle(field: Field, value: unknown, path: string, out: Violation[]): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof Type) return walkMessage(resolved, value, path, out);
  if (resolved instanceof Enum) {
    const problem = enumProblem(resolved, value);
    if (problem !== undefined) out.push({ field: path, reason: problem });
    return value;
  }
  const problem = scalarProblem(field.type, value);
  if (problem !== undefined) out.push({ field: path, reason: problem });
  return value;
}

function unknownFieldReason(type: Type, key: string): string {
  if (key === '@type') return `unknown field ('@type' is only valid in a google.protobuf.Any, this is ${qualifiedName(type)})`;
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if (snake !== key && type.fields[snake] !== undefined) return `unknown field (did you mean '${snake}'? fields use proto names)`;
  return `unknown field of ${qualifiedName(type)}`;
}

function enumProblem(e: Enum, value: unknown): string | undefined {
  if (typeof value === 'string') {
    return Object.hasOwn(e.values, value) ? undefined : `must be one of ${Object.keys(e.values).join(', ')} (${qualifiedName(e)}), got '${value}'`;
  }
  // A number outside the enum is well-formed protobuf; `defined_only` rules judge it (validate-rules).
  if (typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return undefined;
  return `must be an enum name of ${qualifiedName(e)} or an int32, got ${describeValue(value)}`;
}

function scalarProblem(kind: string, value: unknown): string | undefined {
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? undefined : `must be a string, got ${describeValue(value)}`;
    case 'bool':
      return typeof value === 'boolean' ? undefined : `must be a boolean, got ${describeValue(value)}`;
    case 'double':
    case 'float':
      if (typeof value === 'number' || (typeof value === 'string' && FLOAT_WORDS.has(value))) return undefined;
      return `must be a number, got ${describeValue(value)}`;
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return integerProblem(value, INT32_MIN, INT32_MAX, kind);
    case 'uint32':
    case 'fixed32':
      return integerProblem(value, 0, UINT32_MAX, kind);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return int64Problem(value, INT64_MIN, INT64_MAX, kind);
    case 'uint64':
    case 'fixed64':
      return int64Problem(value, 0n, UINT64_MAX, kind);
    case 'bytes':
      if (value instanceof Uint8Array) return undefined;
      if (typeof value === 'string' && value.length % 4 !== 1 && BASE64.test(value)) return undefined;
      return `must be base64 text or a Uint8Array (bytes), got ${describeValue(value)}`;
    default:
      return `has unsupported scalar type ${kind}`;
  }
}

function integerProblem(value: unknown, min: number, max: number, kind: string): string | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value)) return `must be an integer (${kind}), got ${describeValue(value)}`;
  if (value < min || value > max) return `must be between ${min} and ${max} (${kind}), got ${value}`;
  return undefined;
}

function int64Problem(value: unknown, min: bigint, max: bigint, kind: string): string | undefined {
  const n = toBigInt(value);
  if (n === undefined) return `must be an integer or a decimal string (${kind}), got ${describeValue(value)}`;
  if (n < min || n > max) return `must be between ${min} and ${max} (${kind}), got ${n}`;
  return undefined;
}

/**
 * An integer as a bigint: from a safe-integer number, a decimal string or a protobufjs `Long`;
 * undefined for anything else.
 */
export function toBigInt(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string') return DECIMAL_INTEGER.test(value) ? BigInt(value) : undefined;
  if (isObject(value) && typeof value['low'] === 'number' && typeof value['high'] === 'number') {
    const low = BigInt(value['low'] >>> 0);
    const high = BigInt(value['high'] >>> 0);
    const unsigned = (high << 32n) | low;
    return value['unsigned'] === true ? unsigned : BigInt.asIntN(64, unsigned);
  }
  return undefined;
}

function mapKeyProblem(keyType: string, key: string): string | undefined {
  switch (keyType) {
    case 'string':
      return undefined;
    case 'bool':
      return key === 'true' || key === 'false' ? undefined : `map key must be 'true' or 'false', got '${key}'`;
    case 'int32':
    case 'sint32':
    case 'sfixed32':
    case 'uint32':
    case 'fixed32':
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64':
      return DECIMAL_INTEGER.test(key) ? undefined : `map key must be a decimal integer (${keyType}), got '${key}'`;
    default:
      return `has unsupported map key type ${keyType}`;
  }
}
