import type { JsonObject } from '@mycel/core';
import { childPath, indexPath, isObject } from '@mycel/core';
import { MapField, Type } from 'protobufjs';
import { decodeMessage } from './encode';
import { UnknownEnvoyTypeError } from './errors';
import { lookupMessageType, qualifiedName, typeNameOfUrl } from './protos';

/** Called for every message of a walked object: its fully qualified type name, the object, its path. */
export type MessageVisitor = (typeName: string, message: JsonObject, path: string) => void;

/**
 * Calls `visit` for `object` (a plain message of `type`) and every message nested in it, depth
 * first in the object's key order: singular fields, repeated items, map values and `Any` payloads (an
 * {@link AnyJson}'s fields, or a `{type_url, value}` decoded). Values of the wrong kind and
 * payloads of types that are not loaded are skipped (encoding reports those).
 */
export function visitMessages(type: Type | string, object: unknown, visit: MessageVisitor): void {
  walk(typeof type === 'string' ? lookupMessageType(type) : type, object, '', visit);
}

function walk(type: Type, value: unknown, path: string, visit: MessageVisitor): void {
  if (!isObject(value)) return;
  if (qualifiedName(type) === 'google.protobuf.Any') {
    walkAny(value, path, visit);
    return;
  }
  visit(qualifiedName(type), value, path);
  // Walk the keys present rather than every field of the type: messages are sparse.
  for (const [key, fieldValue] of Object.entries(value)) {
    const field = type.fields[key];
    const fieldType = field?.resolvedType;
    if (field === undefined || !(fieldType instanceof Type) || fieldValue === undefined || fieldValue === null) continue;
    const fieldPath = childPath(path, key);
    if (field instanceof MapField) {
      if (isObject(fieldValue)) for (const [key, entry] of Object.entries(fieldValue)) walk(fieldType, entry, childPath(fieldPath, key), visit);
    } else if (field.repeated) {
      if (Array.isArray(fieldValue)) fieldValue.forEach((item: unknown, i) => walk(fieldType, item, indexPath(fieldPath, i), visit));
    } else {
      walk(fieldType, fieldValue, fieldPath, visit);
    }
  }
}

function walkAny(value: JsonObject, path: string, visit: MessageVisitor): void {
  const url = typeof value['@type'] === 'string' ? value['@type'] : typeof value['type_url'] === 'string' ? value['type_url'] : undefined;
  if (url === undefined) return;
  let payloadType: Type;
  try {
    payloadType = lookupMessageType(typeNameOfUrl(url));
  } catch (err) {
    // Not a loaded type: nothing to walk into; encoding rejects such an Any with its path.
    if (err instanceof UnknownEnvoyTypeError) return;
    throw err;
  }
  if (Object.hasOwn(value, '@type')) {
    const { '@type': _type, ...payload } = value;
    walk(payloadType, payload, path, visit);
  } else if (typeof value['value'] === 'string' || value['value'] instanceof Uint8Array) {
    const bytes = typeof value['value'] === 'string' ? Buffer.from(value['value'], 'base64') : value['value'];
    walk(payloadType, decodeMessage(qualifiedName(payloadType), bytes), path, visit);
  }
}
