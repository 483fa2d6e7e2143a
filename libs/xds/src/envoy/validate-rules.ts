import { isIP } from 'node:net';
import type { JsonObject, Violation } from '@mycel/core';
import { canonicalJson, childPath, indexPath, isObject } from '@mycel/core';
import { Enum, FieldBase, MapField, OneOf, Type } from 'protobufjs';
import type { EncodedAny } from '../resource-types';
import { decodeMessage, toBigInt } from './encode';
import { describeValue } from './errors';
import { lookupMessageType, qualifiedName, typeNameOfUrl } from './protos';

/*
 * A checker of the protoc-gen-validate (PGV) annotations in the Envoy protos — the rules Envoy
 * applies when it loads config and NACKs on. It reads them from protobufjs `parsedOptions`:
 * field `(validate.rules)`, oneof `(validate.required)`, message `(validate.disabled)` /
 * `(validate.ignored)`. It walks a plain object (proto field names; the form `encodeResource`
 * takes and `decodeResource` returns) and recurses into nested messages, repeated items, map
 * values and `Any` payloads (Envoy validates a typed_config when it unpacks it; PGV alone would not).
 *
 * Proto3 semantics: an absent scalar outside a oneof has its default value and is checked as such
 * (an absent `Cluster.name` is an empty string and fails `min_len: 1`); an absent oneof member or
 * message field is "not set" and only `required` rules apply to it.
 *
 * Covered: message required/skip; numeric const/lt/lte/gt/gte (inside and PGV's "outside range"
 * when the bounds are reversed)/in/not_in/ignore_empty for every integer and float type; bool const;
 * string const/len/min_len/max_len/len_bytes/min_bytes/max_bytes/pattern/prefix/suffix/contains/
 * not_contains/in/not_in/ignore_empty and well-known email/hostname/ip/ipv4/ipv6/uri/uri_ref/
 * address/uuid/well_known_regex (HTTP header name/value, strict or not); bytes const/len/min_len/
 * max_len/pattern/prefix/suffix/contains/in/not_in/ip/ipv4/ipv6/ignore_empty; enum const/
 * defined_only/in/not_in; repeated min_items/max_items/unique/items/ignore_empty; map min_pairs/
 * max_pairs/no_sparse/keys/values/ignore_empty; any required/in/not_in; duration required/const/
 * lt/lte/gt/gte/in/not_in; timestamp required/const/lt/lte/gt/gte; scalar rules on wrapper types
 * (`google.protobuf.UInt32Value` …) applied to the wrapped value when the wrapper is set.
 *
 * Not covered: timestamp lt_now/gt_now/within (they need a clock; no Envoy field uses them);
 * `pattern` is run as a JavaScript regular expression, which agrees with RE2 for the patterns the
 * Envoy protos use but not for every RE2 construct.
 */

type Rules = Record<string, unknown>;

const WRAPPER_KINDS: Readonly<Record<string, string>> = {
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
};
const INTEGER_KINDS = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64']);
const FLOAT_KINDS = new Set(['double', 'float']);

// PGV's regular expressions for `well_known_regex`; the non-strict form only forbids NUL, CR and LF.
const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point of this rule
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point of this rule
const HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const HOSTNAME_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;

const rulesCache = new WeakMap<FieldBase, Rules | null>();
const patternCache = new Map<string, RegExp | null>();

/**
 * Checks `object` against the PGV rules of message `type` (a Type or its fully qualified name).
 * Returns every violation with its field path ('' for the message itself), in walk order; an
 * empty list means Envoy would accept the message as far as these rules go.
 */
export function checkValidateRules(type: Type | string, object: unknown): Violation[] {
  const t = typeof type === 'string' ? lookupMessageType(type) : type;
  const out: Violation[] = [];
  checkMessage(t, object, '', out);
  return out;
}

/** Decodes an encoded resource and checks it with {@link checkValidateRules}. */
export function checkResourceRules(any: EncodedAny): Violation[] {
  const typeName = typeNameOfUrl(any.type_url);
  return checkValidateRules(typeName, decodeMessage(typeName, any.value));
}

function checkMessage(type: Type, value: unknown, path: string, out: Violation[]): void {
  if (!isObject(value)) {
    out.push({ field: path, reason: `must be an object (${qualifiedName(type)}), got ${describeValue(value)}` });
    return;
  }
  if (messageFlag(type, '(validate.disabled)') || messageFlag(type, '(validate.ignored)')) return;
  if (qualifiedName(type) === 'google.protobuf.Any') {
    checkAnyPayload(value, path, out);
    return;
  }
  for (const oneof of type.oneofsArray) {
    if (!oneofRequired(oneof)) continue;
    if (!oneof.oneof.some((name) => value[name] !== undefined && value[name] !== null)) {
      out.push({ field: childPath(path, oneof.name), reason: `exactly one of ${oneof.oneof.join(', ')} is required` });
    }
  }
  for (const field of type.fieldsArray) {
    const fieldValue = value[field.name];
    const fieldPath = childPath(path, field.name);
    const rules = fieldRules(field);
    if (field instanceof MapField) checkMap(field, fieldValue, rules, fieldPath, out);
    else if (field.repeated) checkRepeated(field, fieldValue, rules, fieldPath, out);
    else checkSingular(field, fieldValue, rules, fieldPath, out);
  }
}

function checkAnyPayload(value: JsonObject, path: string, out: Violation[]): void {
  const url = typeof value['@type'] === 'string' ? value['@type'] : typeof value['type_url'] === 'string' ? value['type_url'] : undefined;
  if (url === undefined || url === '') return;
  let payloadType: Type;
  try {
    payloadType = lookupMessageType(typeNameOfUrl(url));
  } catch {
    // The payload's rules live in a proto we did not load, so they cannot be checked; say so.
    out.push({ field: path, reason: `has a payload of type '${url}', which is not in the loaded protos and cannot be checked` });
    return;
  }
  if (Object.hasOwn(value, '@type')) {
    const { '@type': _type, ...payload } = value;
    checkMessage(payloadType, payload, path, out);
    return;
  }
  const bytes = toBytes(value['value'] ?? '');
  if (bytes === undefined) {
    out.push({ field: childPath(path, 'value'), reason: 'must be bytes' });
    return;
  }
  checkMessage(payloadType, decodeMessage(qualifiedName(payloadType), bytes), path, out);
}

function checkSingular(field: FieldBase, value: unknown, rules: Rules | undefined, path: string, out: Violation[]): void {
  const present = value !== undefined && value !== null;
  const resolved = field.resolvedType;
  if (resolved instanceof Type) {
    const message = asRules(rules?.['message']);
    if (!present) {
      // As in PGV, the rules of a oneof member apply only when that member is the one set.
      if (field.partOf !== null) return;
      const typed = typedRules(rules);
      if (message?.['required'] === true || typed?.['required'] === true) out.push({ field: path, reason: 'is required' });
      return;
    }
    checkMessageTypedRules(resolved, value, rules, path, out);
    if (message?.['skip'] !== true) checkMessage(resolved, value, path, out);
    return;
  }
  // A oneof member (or proto3 `optional`) that is absent is unset: its rules do not apply.
  if (!present && field.partOf !== null) return;
  const kind = resolved instanceof Enum ? 'enum' : field.type;
  const actual = present ? value : defaultValue(kind);
  checkScalar(kind, resolved instanceof Enum ? resolved : undefined, asRules(rules?.[kind]), actual, path, out);
}

/** Rules that name the field's message type: duration, timestamp, any, or scalar rules on a wrapper. */
function checkMessageTypedRules(type: Type, value: unknown, rules: Rules | undefined, path: string, out: Violation[]): void {
  if (rules === undefined || !isObject(value)) return;
  const name = `.${qualifiedName(type)}`;
  if (name === '.google.protobuf.Duration') {
    const r = asRules(rules['duration']);
    if (r) checkOrdered(r, durationNanos(value), durationNanos, formatDuration, path, out);
  } else if (name === '.google.protobuf.Timestamp') {
    const r = asRules(rules['timestamp']);
    // lt_now / gt_now / within compare with the wall clock; no Envoy field uses them (see header).
    if (r) checkOrdered(r, durationNanos(value), durationNanos, (n) => `${n}ns since the epoch`, path, out);
  } else if (name === '.google.protobuf.Any') {
    const r = asRules(rules['any']);
    if (r) {
      const url = typeof value['@type'] === 'string' ? value['@type'] : value['type_url'];
      const ins = list(r['in']);
      if (ins.length > 0 && !ins.includes(url)) out.push({ field: path, reason: `type URL must be one of ${ins.join(', ')}, got ${describeValue(url)}` });
      if (list(r['not_in']).includes(url)) out.push({ field: path, reason: `type URL must not be ${String(url)}` });
    }
  } else {
    const kind = WRAPPER_KINDS[name];
    const r = kind === undefined ? undefined : asRules(rules[kind]);
    if (kind !== undefined && r) checkScalar(kind, undefined, r, value['value'] ?? defaultValue(kind), childPath(path, 'value'), out);
  }
}

function checkRepeated(field: FieldBase, value: unknown, rules: Rules | undefined, path: string, out: Violation[]): void {
  const items = value === undefined || value === null ? [] : value;
  if (!Array.isArray(items)) {
    out.push({ field: path, reason: `must be an array, got ${describeValue(items)}` });
    return;
  }
  const r = asRules(rules?.['repeated']);
  if (r && !(r['ignore_empty'] === true && items.length === 0)) {
    const min = num(r['min_items']);
    const max = num(r['max_items']);
    if (min !== undefined && items.length < min) out.push({ field: path, reason: `must have at least ${min} item(s), got ${items.length}` });
    if (max !== undefined && items.length > max) out.push({ field: path, reason: `must have at most ${max} item(s), got ${items.length}` });
    if (r['unique'] === true) {
      const seen = new Map<string, number>();
      items.forEach((item, i) => {
        const key = canonicalJson(item);
        const first = seen.get(key);
        if (first === undefined) seen.set(key, i);
        else out.push({ field: indexPath(path, i), reason: `must be unique, repeats item ${first}` });
      });
    }
  }
  const itemRules = asRules(r?.['items']);
  items.forEach((item: unknown, i) => {
    const itemPath = indexPath(path, i);
    if (item === undefined || item === null) out.push({ field: itemPath, reason: `must be a value, got ${describeValue(item)}` });
    else checkSingular(field, item, itemRules, itemPath, out);
  });
}

function checkMap(field: MapField, value: unknown, rules: Rules | undefined, path: string, out: Violation[]): void {
  const entries = value === undefined || value === null ? {} : value;
  if (!isObject(entries)) {
    out.push({ field: path, reason: `must be an object (map), got ${describeValue(entries)}` });
    return;
  }
  const keys = Object.keys(entries);
  const r = asRules(rules?.['map']);
  const active = r !== undefined && !(r['ignore_empty'] === true && keys.length === 0);
  if (active) {
    const min = num(r['min_pairs']);
    const max = num(r['max_pairs']);
    if (min !== undefined && keys.length < min) out.push({ field: path, reason: `must have at least ${min} entr(ies), got ${keys.length}` });
    if (max !== undefined && keys.length > max) out.push({ field: path, reason: `must have at most ${max} entr(ies), got ${keys.length}` });
  }
  const keyRules = active ? asRules(typedRules(asRules(r['keys']))) : undefined;
  const valueRules = active ? asRules(r['values']) : undefined;
  for (const key of keys) {
    const entryPath = childPath(path, key);
    if (keyRules) checkScalar(field.keyType, undefined, keyRules, mapKeyValue(field.keyType, key), entryPath, out, 'key ');
    const entry = entries[key];
    if (entry === undefined || entry === null) {
      out.push({ field: entryPath, reason: 'must have a value (no_sparse)' });
      continue;
    }
    checkSingular(field, entry, valueRules, entryPath, out);
  }
}

/** Checks one scalar or enum value against the rules for its kind (`rules` is e.g. the `uint32` block). */
function checkScalar(kind: string, enumType: Enum | undefined, rules: Rules | undefined, value: unknown, path: string, out: Violation[], what = ''): void {
  if (rules === undefined) return;
  const push = (reason: string): void => {
    out.push({ field: path, reason: `${what}${reason}` });
  };
  if (INTEGER_KINDS.has(kind)) {
    const n = toBigInt(value);
    if (n === undefined) push(`must be an integer, got ${describeValue(value)}`);
    else if (!(rules['ignore_empty'] === true && n === 0n)) checkOrdered(rules, n, toBigInt, String, path, out, what);
  } else if (FLOAT_KINDS.has(kind)) {
    const n = typeof value === 'string' ? Number(value) : value;
    if (typeof n !== 'number') push(`must be a number, got ${describeValue(value)}`);
    else if (!(rules['ignore_empty'] === true && n === 0)) checkOrdered(rules, n, (x) => (typeof x === 'number' ? x : undefined), String, path, out, what);
  } else if (kind === 'bool') {
    if (rules['const'] !== undefined && value !== rules['const']) push(`must be ${String(rules['const'])}, got ${describeValue(value)}`);
  } else if (kind === 'string') {
    if (typeof value !== 'string') push(`must be a string, got ${describeValue(value)}`);
    else checkString(rules, value, push);
  } else if (kind === 'bytes') {
    const bytes = toBytes(value);
    if (bytes === undefined) push(`must be bytes, got ${describeValue(value)}`);
    else checkBytes(rules, bytes, push);
  } else if (kind === 'enum' && enumType) {
    checkEnum(rules, enumType, value, push);
  }
}

/**
 * const / lt / lte / gt / gte / in / not_in over an ordered kind. As in PGV, a lower bound above
 * the upper bound means "outside the range".
 */
function checkOrdered<T extends number | bigint>(
  rules: Rules,
  value: T | undefined,
  convert: (x: unknown) => T | undefined,
  format: (x: T) => string,
  path: string,
  out: Violation[],
  what = '',
): void {
  const push = (reason: string): void => {
    out.push({ field: path, reason: `${what}${reason}` });
  };
  if (value === undefined) {
    push('must be a well-formed value');
    return;
  }
  const c = rules['const'] === undefined ? undefined : convert(rules['const']);
  if (c !== undefined && value !== c) push(`must equal ${format(c)}, got ${format(value)}`);
  const lt = rules['lt'] === undefined ? undefined : convert(rules['lt']);
  const lte = rules['lte'] === undefined ? undefined : convert(rules['lte']);
  const gt = rules['gt'] === undefined ? undefined : convert(rules['gt']);
  const gte = rules['gte'] === undefined ? undefined : convert(rules['gte']);
  const upper = lt ?? lte;
  const lower = gt ?? gte;
  const aboveLower = gt !== undefined ? value > gt : gte !== undefined ? value >= gte : true;
  const belowUpper = lt !== undefined ? value < lt : lte !== undefined ? value <= lte : true;
  const lowerText = gt !== undefined ? `greater than ${format(gt)}` : gte !== undefined ? `greater than or equal to ${format(gte)}` : '';
  const upperText = lt !== undefined ? `less than ${format(lt)}` : lte !== undefined ? `less than or equal to ${format(lte)}` : '';
  if (upper !== undefined && lower !== undefined) {
    if (upper > lower) {
      if (!(aboveLower && belowUpper)) push(`must be ${lowerText} and ${upperText}, got ${format(value)}`);
    } else if (!(aboveLower || belowUpper)) {
      push(`must be ${lowerText} or ${upperText}, got ${format(value)}`);
    }
  } else if (!aboveLower) {
    push(`must be ${lowerText}, got ${format(value)}`);
  } else if (!belowUpper) {
    push(`must be ${upperText}, got ${format(value)}`);
  }
  const ins = list(rules['in']).map(convert);
  if (ins.length > 0 && !ins.includes(value)) push(`must be one of ${ins.map((x) => (x === undefined ? '?' : format(x))).join(', ')}, got ${format(value)}`);
  if (list(rules['not_in']).map(convert).includes(value)) push(`must not be ${format(value)}`);
}

function checkString(rules: Rules, value: string, push: (reason: string) => void): void {
  if (rules['ignore_empty'] === true && value === '') return;
  const shown = JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof rules['const'] === 'string' && value !== rules['const']) push(`must equal ${JSON.stringify(rules['const'])}, got ${shown}`);
  const chars = [...value].length;
  const bytes = Buffer.byteLength(value, 'utf8');
  const lengthRules: [string, number, (limit: number, actual: number) => boolean, string][] = [
    ['len', chars, (l, a) => a === l, 'exactly %d character(s)'],
    ['min_len', chars, (l, a) => a >= l, 'at least %d character(s)'],
    ['max_len', chars, (l, a) => a <= l, 'at most %d character(s)'],
    ['len_bytes', bytes, (l, a) => a === l, 'exactly %d byte(s)'],
    ['min_bytes', bytes, (l, a) => a >= l, 'at least %d byte(s)'],
    ['max_bytes', bytes, (l, a) => a <= l, 'at most %d byte(s)'],
  ];
  for (const [key, actual, ok, text] of lengthRules) {
    const limit = num(rules[key]);
    if (limit !== undefined && !ok(limit, actual)) push(`must be ${text.replace('%d', String(limit))} long, got ${actual}`);
  }
  if (typeof rules['pattern'] === 'string') {
    const re = compilePattern(rules['pattern']);
    if (re && !re.test(value)) push(`must match the pattern ${rules['pattern']}, got ${shown}`);
  }
  if (typeof rules['prefix'] === 'string' && !value.startsWith(rules['prefix'])) push(`must start with ${JSON.stringify(rules['prefix'])}, got ${shown}`);
  if (typeof rules['suffix'] === 'string' && !value.endsWith(rules['suffix'])) push(`must end with ${JSON.stringify(rules['suffix'])}, got ${shown}`);
  if (typeof rules['contains'] === 'string' && !value.includes(rules['contains'])) push(`must contain ${JSON.stringify(rules['contains'])}, got ${shown}`);
  if (typeof rules['not_contains'] === 'string' && value.includes(rules['not_contains'])) push(`must not contain ${JSON.stringify(rules['not_contains'])}, got ${shown}`);
  const ins = list(rules['in']);
  if (ins.length > 0 && !ins.includes(value)) push(`must be one of ${ins.map((x) => JSON.stringify(x)).join(', ')}, got ${shown}`);
  if (list(rules['not_in']).includes(value)) push(`must not be ${shown}`);
  const wellKnown = wellKnownStringProblem(rules, value);
  if (wellKnown !== undefined) push(`${wellKnown}, got ${shown}`);
}

function wellKnownStringProblem(rules: Rules, value: string): string | undefined {
  if (rules['email'] === true && !isEmail(value)) return 'must be an email address';
  if (rules['hostname'] === true && !isHostname(value)) return 'must be a valid hostname';
  if (rules['ip'] === true && isIP(value) === 0) return 'must be a valid IP address';
  if (rules['ipv4'] === true && isIP(value) !== 4) return 'must be a valid IPv4 address';
  if (rules['ipv6'] === true && isIP(value) !== 6) return 'must be a valid IPv6 address';
  if (rules['address'] === true && isIP(value) === 0 && !isHostname(value)) return 'must be a valid hostname or IP address';
  if (rules['uri'] === true && !isAbsoluteUri(value)) return 'must be an absolute URI';
  if (rules['uri_ref'] === true && /[\s]/.test(value)) return 'must be a URI reference';
  if (rules['uuid'] === true && !UUID.test(value)) return 'must be a UUID';
  const regex = rules['well_known_regex'];
  if (regex !== undefined) {
    const strict = rules['strict'] !== false;
    const name = regex === 1 || regex === 'HTTP_HEADER_NAME';
    const headerValue = regex === 2 || regex === 'HTTP_HEADER_VALUE';
    if (name || headerValue) {
      const re = !strict ? HEADER_LOOSE : name ? HEADER_NAME_STRICT : HEADER_VALUE_STRICT;
      if (!re.test(value)) return `must be a valid HTTP header ${name ? 'name' : 'value'}${strict ? '' : ' (no NUL, CR or LF)'}`;
    }
  }
  return undefined;
}

function checkBytes(rules: Rules, value: Buffer, push: (reason: string) => void): void {
  if (rules['ignore_empty'] === true && value.length === 0) return;
  const lengths: [string, (limit: number) => boolean, string][] = [
    ['len', (l) => value.length === l, 'exactly'],
    ['min_len', (l) => value.length >= l, 'at least'],
    ['max_len', (l) => value.length <= l, 'at most'],
  ];
  for (const [key, ok, text] of lengths) {
    const limit = num(rules[key]);
    if (limit !== undefined && !ok(limit)) push(`must be ${text} ${limit} byte(s) long, got ${value.length}`);
  }
  const asBytes = (x: unknown): Buffer | undefined => (typeof x === 'string' ? Buffer.from(x, 'latin1') : toBytes(x));
  const c = asBytes(rules['const']);
  if (c !== undefined && !c.equals(value)) push('must equal the constant bytes');
  const prefix = asBytes(rules['prefix']);
  if (prefix !== undefined && !value.subarray(0, prefix.length).equals(prefix)) push('must start with the given prefix bytes');
  const suffix = asBytes(rules['suffix']);
  if (suffix !== undefined && !value.subarray(value.length - suffix.length).equals(suffix)) push('must end with the given suffix bytes');
  const contains = asBytes(rules['contains']);
  if (contains !== undefined && value.indexOf(contains) < 0) push('must contain the given bytes');
  if (typeof rules['pattern'] === 'string') {
    const re = compilePattern(rules['pattern']);
    if (re && !re.test(value.toString('latin1'))) push(`must match the pattern ${rules['pattern']}`);
  }
  const ins = list(rules['in']).map(asBytes);
  if (ins.length > 0 && !ins.some((x) => x?.equals(value))) push('must be one of the allowed byte strings');
  if (list(rules['not_in']).map(asBytes).some((x) => x?.equals(value))) push('must not be one of the forbidden byte strings');
  if (rules['ip'] === true && value.length !== 4 && value.length !== 16) push(`must be an IP address (4 or 16 bytes), got ${value.length} byte(s)`);
  if (rules['ipv4'] === true && value.length !== 4) push(`must be an IPv4 address (4 bytes), got ${value.length} byte(s)`);
  if (rules['ipv6'] === true && value.length !== 16) push(`must be an IPv6 address (16 bytes), got ${value.length} byte(s)`);
}

function checkEnum(rules: Rules, enumType: Enum, value: unknown, push: (reason: string) => void): void {
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string') n = enumType.values[value];
  if (n === undefined) {
    push(`must be a value of ${qualifiedName(enumType)}, got ${describeValue(value)}`);
    return;
  }
  const shown = enumType.valuesById[n] ?? String(n);
  const toNumber = (x: unknown): number | undefined => (typeof x === 'number' ? x : typeof x === 'string' ? enumType.values[x] : undefined);
  const c = toNumber(rules['const']);
  if (c !== undefined && n !== c) push(`must be ${enumType.valuesById[c] ?? c}, got ${shown}`);
  if (rules['defined_only'] === true && enumType.valuesById[n] === undefined) {
    push(`must be a defined value of ${qualifiedName(enumType)} (${Object.keys(enumType.values).join(', ')}), got ${n}`);
  }
  const ins = list(rules['in']).map(toNumber);
  if (ins.length > 0 && !ins.includes(n)) push(`must be one of ${ins.map((x) => (x === undefined ? '?' : (enumType.valuesById[x] ?? x))).join(', ')}, got ${shown}`);
  if (list(rules['not_in']).map(toNumber).includes(n)) push(`must not be ${shown}`);
}

/** The merged `(validate.rules)` of a field, or undefined. */
function fieldRules(field: FieldBase): Rules | undefined {
  const cached = rulesCache.get(field);
  if (cached !== undefined) return cached ?? undefined;
  let merged: Rules | undefined;
  for (const entry of optionEntries(field)) {
    const rules = entry['(validate.rules)'];
    if (isObject(rules)) merged = deepMerge(merged ?? {}, rules);
  }
  rulesCache.set(field, merged ?? null);
  return merged;
}

/** The one type-specific block of a FieldRules (everything but `message`). */
function typedRules(rules: Rules | undefined): Rules | undefined {
  if (rules === undefined) return undefined;
  for (const [key, value] of Object.entries(rules)) if (key !== 'message' && isObject(value)) return value;
  return undefined;
}

function deepMerge(target: Rules, source: Rules): Rules {
  const out: Rules = { ...target };
  for (const [key, value] of Object.entries(source)) {
    const existing = out[key];
    out[key] = isObject(existing) && isObject(value) ? deepMerge(existing, value) : value;
  }
  return out;
}

function messageFlag(type: Type, option: string): boolean {
  return optionEntries(type).some((o) => o[option] === true) || type.options?.[option] === true;
}

function oneofRequired(oneof: OneOf): boolean {
  return optionEntries(oneof).some((o) => o['(validate.required)'] === true) || oneof.options?.['(validate.required)'] === true;
}

/** `parsedOptions` as protobufjs fills it at runtime: an array of `{'(option.name)': value}` (its typings disagree). */
function optionEntries(object: { readonly parsedOptions?: unknown }): Record<string, unknown>[] {
  const entries: unknown = object.parsedOptions;
  return Array.isArray(entries) ? entries.filter(isObject) : [];
}

function asRules(value: unknown): Rules | undefined {
  return isObject(value) ? value : undefined;
}

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  // protobufjs keeps a repeated option written once (`not_in: 6`) as a bare value.
  return Array.isArray(value) ? value : [value];
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

function defaultValue(kind: string): unknown {
  if (kind === 'string') return '';
  if (kind === 'bool') return false;
  if (kind === 'bytes') return '';
  return 0;
}

function mapKeyValue(keyType: string, key: string): unknown {
  if (keyType === 'bool') return key === 'true';
  if (INTEGER_KINDS.has(keyType)) return key;
  return key;
}

function toBytes(value: unknown): Buffer | undefined {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  return undefined;
}

/** Total nanoseconds of a Duration/Timestamp object `{seconds, nanos}` (either may be absent). */
function durationNanos(value: unknown): bigint | undefined {
  if (!isObject(value)) return undefined;
  const seconds = value['seconds'] === undefined ? 0n : toBigInt(value['seconds']);
  const nanos = value['nanos'] === undefined ? 0n : toBigInt(value['nanos']);
  if (seconds === undefined || nanos === undefined) return undefined;
  return seconds * 1_000_000_000n + nanos;
}

function formatDuration(nanos: bigint): string {
  if (nanos % 1_000_000_000n === 0n) return `${nanos / 1_000_000_000n}s`;
  if (nanos % 1_000_000n === 0n) return `${nanos / 1_000_000n}ms`;
  return `${nanos}ns`;
}

function compilePattern(pattern: string): RegExp | undefined {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      // An RE2 construct JavaScript lacks: the rule is skipped rather than failing valid config
      // (listed under "not covered" in the header).
      re = null;
    }
    patternCache.set(pattern, re);
  }
  return re ?? undefined;
}

function isHostname(value: string): boolean {
  const host = value.endsWith('.') ? value.slice(0, -1) : value;
  if (host.length === 0 || host.length > 253) return false;
  return host.split('.').every((label) => label.length <= 63 && HOSTNAME_LABEL.test(label));
}

function isEmail(value: string): boolean {
  const at = value.lastIndexOf('@');
  if (at <= 0 || at > 64) return false;
  return isHostname(value.slice(at + 1));
}

function isAbsoluteUri(value: string): boolean {
  try {
    return new URL(value).protocol.length > 1;
  } catch {
    // `new URL` throws for anything that is not an absolute URL, which is exactly the violation.
    return false;
  }
}
