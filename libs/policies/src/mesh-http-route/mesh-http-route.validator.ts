import type { JsonObject, Violation } from '@mycel/core';
import { Labels, Violations, childPath, describe, indexPath, nameProblem } from '@mycel/core';
import { re2Problem } from '../framework/re2';
import type { TargetRefKind } from '../framework/target-ref';
import { requiredTags, serviceName, validateTargetRef } from '../framework/target-ref';

const TOP_LEVEL_KINDS: readonly TargetRefKind[] = ['Mesh', 'MeshSubset', 'MeshService', 'Dataplane'];
const TO_KINDS: readonly TargetRefKind[] = ['MeshService'];
const PATH_TYPES = ['Exact', 'PathPrefix', 'RegularExpression'] as const;
const METHODS = ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'] as const;
const HEADER_TYPES = ['Exact', 'Present', 'RegularExpression', 'Absent', 'Prefix'] as const;
const QUERY_TYPES = ['Exact', 'RegularExpression'] as const;
const BACKEND_KINDS = ['MeshService', 'MeshServiceSubset'] as const;
const FILTER_TYPES = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'RequestMirror'] as const;
type FilterType = (typeof FILTER_TYPES)[number];
const FILTER_FIELDS: Readonly<Record<FilterType, string>> = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestRedirect: 'requestRedirect',
  URLRewrite: 'urlRewrite',
  RequestMirror: 'requestMirror',
};
const REWRITE_TYPES = ['ReplaceFullPath', 'ReplacePrefixMatch'] as const;
const REDIRECT_CODES = [301, 302, 303, 307, 308];

/** Most backends per rule, header edits per list and filters per rule (the Gateway API limits). */
export const MAX_LIST_ITEMS = 16;
/** Largest backend weight (the Gateway API limit; 16 of them stay far below gRPC's uint32 sum limit). */
export const MAX_WEIGHT = 1_000_000;

// RFC 7230 token: what a header name may be. Pseudo-headers (`:method`) are not names a user edits or matches here.
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const HEADER_VALUE_FORBIDDEN = /[\u0000\r\n]/;

/** Why `name` is not a valid HTTP header name, or undefined. */
export function headerNameProblem(name: string): string | undefined {
  if (!HEADER_NAME.test(name)) return `must be a valid HTTP header name (letters, digits and !#$%&'*+-.^_\`|~), got '${name}'`;
  return undefined;
}

function checked(v: Violations, text: string | undefined, path: string, problem: (t: string) => string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const reason = problem(text);
  if (reason !== undefined) {
    v.add(path, reason);
    return undefined;
  }
  return text;
}

function absolutePathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return `must be an absolute path starting with '/', got '${path}'`;
  if (/[?#\s]/.test(path)) return `must not contain '?', '#' or whitespace, got '${path}'`;
  return undefined;
}

function headerValue(v: Violations, value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) {
    v.add(path, 'is required');
    return undefined;
  }
  if (typeof value !== 'string') {
    v.add(path, `must be a string, got ${describe(value)}`);
    return undefined;
  }
  if (HEADER_VALUE_FORBIDDEN.test(value)) {
    v.add(path, 'must not contain CR, LF or NUL characters');
    return undefined;
  }
  return value;
}

/** Records a violation for the second and later occurrences of a key in a list. */
class UniqueNames {
  private readonly seen = new Map<string, string>();
  constructor(
    private readonly v: Violations,
    private readonly what: string,
    private readonly caseInsensitive: boolean,
  ) {}

  claim(name: string | undefined, path: string, where: string): void {
    if (name === undefined) return;
    const key = this.caseInsensitive ? name.toLowerCase() : name;
    const first = this.seen.get(key);
    if (first === undefined) this.seen.set(key, where);
    else this.v.add(path, `must be unique: ${this.what} '${name}' is already used by ${first}`);
  }
}

function validateMatch(v: Violations, raw: unknown, p: string): string | undefined {
  const o = v.object(raw, p, ['path', 'method', 'headers', 'queryParams']);
  if (!o) return undefined;
  let pathType: string | undefined;
  const pathPath = childPath(p, 'path');
  const path = v.optionalObject(o['path'], pathPath, ['type', 'value']);
  if (path) {
    pathType = v.oneOf(path['type'], childPath(pathPath, 'type'), PATH_TYPES);
    const valuePath = childPath(pathPath, 'value');
    const value = v.string(path['value'], valuePath);
    if (pathType === 'RegularExpression') checked(v, value, valuePath, re2Problem);
    else if (pathType !== undefined) checked(v, value, valuePath, absolutePathProblem);
  }
  v.optionalOneOf(o['method'], childPath(p, 'method'), METHODS);

  const headersPath = childPath(p, 'headers');
  const headerNames = new UniqueNames(v, 'header', true);
  v.optionalArray(o['headers'], headersPath)?.forEach((item, i) => {
    const hp = indexPath(headersPath, i);
    const h = v.object(item, hp, ['type', 'name', 'value']);
    if (!h) return;
    const type = h['type'] === undefined ? 'Exact' : v.optionalOneOf(h['type'], childPath(hp, 'type'), HEADER_TYPES);
    const name = checked(v, v.string(h['name'], childPath(hp, 'name')), childPath(hp, 'name'), headerNameProblem);
    headerNames.claim(name, childPath(hp, 'name'), indexPath(headersPath, i));
    const valuePath = childPath(hp, 'value');
    if (type === 'Present' || type === 'Absent') {
      if (h['value'] !== undefined) v.add(valuePath, `must be absent for type ${type}`);
    } else if (type !== undefined) {
      const value = headerValue(v, h['value'], valuePath);
      if (type === 'RegularExpression') checked(v, value, valuePath, re2Problem);
      else if (type === 'Prefix' && value === '') v.add(valuePath, 'must not be empty for type Prefix');
    }
  });

  const queryPath = childPath(p, 'queryParams');
  const queryNames = new UniqueNames(v, 'query parameter', false);
  v.optionalArray(o['queryParams'], queryPath)?.forEach((item, i) => {
    const qp = indexPath(queryPath, i);
    const q = v.object(item, qp, ['type', 'name', 'value']);
    if (!q) return;
    const type = v.oneOf(q['type'], childPath(qp, 'type'), QUERY_TYPES);
    queryNames.claim(v.string(q['name'], childPath(qp, 'name')), childPath(qp, 'name'), qp);
    const value = v.string(q['value'], childPath(qp, 'value'));
    if (type === 'RegularExpression') checked(v, value, childPath(qp, 'value'), re2Problem);
  });
  return path ? pathType : 'none';
}

/** Validates a backend reference (`weight` only when `withWeight`); returns its effective weight. */
function validateBackendRef(v: Violations, raw: unknown, p: string, withWeight: boolean): number | undefined {
  const o = v.object(raw, p, withWeight ? ['kind', 'name', 'tags', 'weight'] : ['kind', 'name', 'tags']);
  if (!o) return undefined;
  const kind = v.oneOf(o['kind'], childPath(p, 'kind'), BACKEND_KINDS);
  serviceName(v, o['name'], childPath(p, 'name'));
  const tagsPath = childPath(p, 'tags');
  if (kind === 'MeshServiceSubset') {
    const tags = requiredTags(v, o['tags'], tagsPath);
    for (const key of [Labels.service, Labels.protocol]) {
      if (tags?.[key] !== undefined) v.add(childPath(tagsPath, key), `must be absent: ${key === Labels.service ? 'name selects the service' : 'the protocol is not a subset selector'}`);
    }
  } else if (kind === 'MeshService' && o['tags'] !== undefined) {
    v.add(tagsPath, 'must be absent for kind MeshService (use MeshServiceSubset)');
  }
  if (!withWeight) return undefined;
  return o['weight'] === undefined ? 1 : v.optionalInteger(o['weight'], childPath(p, 'weight'), 0, MAX_WEIGHT);
}

function validateHeaderModifier(v: Violations, raw: unknown, p: string): void {
  if (raw === undefined || raw === null) {
    v.add(p, 'is required');
    return;
  }
  const o = v.object(raw, p, ['set', 'add', 'remove']);
  if (!o) return;
  if (['set', 'add', 'remove'].every((k) => o[k] === undefined || (Array.isArray(o[k]) && o[k].length === 0))) {
    v.add(p, 'must set at least one of set, add, remove');
  }
  for (const list of ['set', 'add'] as const) {
    const lp = childPath(p, list);
    const items = v.optionalArray(o[list], lp);
    if (items && items.length > MAX_LIST_ITEMS) v.add(lp, `must have at most ${MAX_LIST_ITEMS} items, got ${items.length}`);
    const names = new UniqueNames(v, 'header', true);
    items?.forEach((item, i) => {
      const ip = indexPath(lp, i);
      const h = v.object(item, ip, ['name', 'value']);
      if (!h) return;
      const name = modifiableHeader(v, h['name'], childPath(ip, 'name'));
      names.claim(name, childPath(ip, 'name'), ip);
      headerValue(v, h['value'], childPath(ip, 'value'));
    });
  }
  const rp = childPath(p, 'remove');
  const removes = v.optionalArray(o['remove'], rp);
  if (removes && removes.length > MAX_LIST_ITEMS) v.add(rp, `must have at most ${MAX_LIST_ITEMS} items, got ${removes.length}`);
  removes?.forEach((item, i) => modifiableHeader(v, item, indexPath(rp, i)));
}

function modifiableHeader(v: Violations, value: unknown, path: string): string | undefined {
  const name = checked(v, v.string(value, path), path, headerNameProblem);
  if (name !== undefined && name.toLowerCase() === 'host') {
    v.add(path, "must not be 'host': Envoy does not edit it with header modifiers (use URLRewrite hostname)");
    return undefined;
  }
  return name;
}

function validatePathRewrite(v: Violations, raw: unknown, p: string, matchTypes: readonly (string | undefined)[]): void {
  const o = v.optionalObject(raw, p, ['type', 'replaceFullPath', 'replacePrefixMatch']);
  if (!o) return;
  const type = v.oneOf(o['type'], childPath(p, 'type'), REWRITE_TYPES);
  if (type === undefined) return;
  const field = type === 'ReplaceFullPath' ? 'replaceFullPath' : 'replacePrefixMatch';
  const other = type === 'ReplaceFullPath' ? 'replacePrefixMatch' : 'replaceFullPath';
  const fp = childPath(p, field);
  checked(v, v.string(o[field], fp), fp, absolutePathProblem);
  if (o[other] !== undefined) v.add(childPath(p, other), `must be absent for type ${type}`);
  if (type === 'ReplacePrefixMatch') {
    const bad = matchTypes.findIndex((t) => t !== undefined && t !== 'PathPrefix');
    if (bad >= 0) v.add(childPath(p, 'type'), `ReplacePrefixMatch needs every match of the rule to be a PathPrefix match, but matches[${bad}] is not`);
  }
}

function validateHostname(v: Violations, value: unknown, path: string): void {
  if (value === undefined) return;
  checked(v, v.string(value, path), path, nameProblem);
}

function validatePercentage(v: Violations, value: unknown, path: string): void {
  if (value === undefined) return;
  const n = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    v.add(path, `must be a number between 0 and 100 (or a decimal string), got ${describe(value)}`);
    return;
  }
  if (n < 0 || n > 100) v.add(path, `must be between 0 and 100, got ${n}`);
}

function validateFilter(v: Violations, raw: unknown, p: string, matchTypes: readonly (string | undefined)[]): FilterType | undefined {
  const o = v.object(raw, p, ['type', ...Object.values(FILTER_FIELDS)]);
  if (!o) return undefined;
  const type = v.oneOf(o['type'], childPath(p, 'type'), FILTER_TYPES);
  if (type === undefined) return undefined;
  for (const [t, field] of Object.entries(FILTER_FIELDS)) {
    if (t !== type && o[field] !== undefined) v.add(childPath(p, field), `must be absent for type ${type}`);
  }
  const cp = childPath(p, FILTER_FIELDS[type]);
  const conf = o[FILTER_FIELDS[type]];
  if (conf === undefined || conf === null) {
    v.add(cp, `is required for type ${type}`);
    return type;
  }
  switch (type) {
    case 'RequestHeaderModifier':
    case 'ResponseHeaderModifier':
      validateHeaderModifier(v, conf, cp);
      break;
    case 'RequestRedirect': {
      const r = v.object(conf, cp, ['scheme', 'hostname', 'path', 'port', 'statusCode']);
      if (!r) break;
      v.optionalOneOf(r['scheme'], childPath(cp, 'scheme'), ['http', 'https']);
      validateHostname(v, r['hostname'], childPath(cp, 'hostname'));
      validatePathRewrite(v, r['path'], childPath(cp, 'path'), matchTypes);
      v.optionalInteger(r['port'], childPath(cp, 'port'), 1, 65535);
      const code = v.optionalInteger(r['statusCode'], childPath(cp, 'statusCode'), 100, 599);
      if (code !== undefined && !REDIRECT_CODES.includes(code)) v.add(childPath(cp, 'statusCode'), `must be one of ${REDIRECT_CODES.join(', ')}, got ${code}`);
      break;
    }
    case 'URLRewrite': {
      const r = v.object(conf, cp, ['hostname', 'path']);
      if (!r) break;
      if (r['hostname'] === undefined && r['path'] === undefined) v.add(cp, 'must set at least one of hostname, path');
      validateHostname(v, r['hostname'], childPath(cp, 'hostname'));
      validatePathRewrite(v, r['path'], childPath(cp, 'path'), matchTypes);
      break;
    }
    case 'RequestMirror': {
      const r = v.object(conf, cp, ['backendRef', 'percentage']);
      if (!r) break;
      if (r['backendRef'] === undefined) v.add(childPath(cp, 'backendRef'), 'is required');
      else validateBackendRef(v, r['backendRef'], childPath(cp, 'backendRef'), false);
      validatePercentage(v, r['percentage'], childPath(cp, 'percentage'));
      break;
    }
  }
  return type;
}

function validateRuleConf(v: Violations, raw: unknown, p: string, matchTypes: readonly (string | undefined)[]): void {
  if (raw === undefined || raw === null) {
    v.add(p, 'is required');
    return;
  }
  const o = v.object(raw, p, ['filters', 'backendRefs']);
  if (!o) return;
  const fp = childPath(p, 'filters');
  const filters = v.optionalArray(o['filters'], fp);
  if (filters && filters.length > MAX_LIST_ITEMS) v.add(fp, `must have at most ${MAX_LIST_ITEMS} items, got ${filters.length}`);
  const seen = new Map<FilterType, string>();
  filters?.forEach((item, i) => {
    const ip = indexPath(fp, i);
    const type = validateFilter(v, item, ip, matchTypes);
    if (type === undefined) return;
    const first = seen.get(type);
    if (first !== undefined && type !== 'RequestMirror') v.add(childPath(ip, 'type'), `must be unique: filter type ${type} is already used by ${first}`);
    else if (!seen.has(type)) seen.set(type, ip);
  });
  const redirect = seen.get('RequestRedirect');
  if (redirect !== undefined && seen.has('URLRewrite')) v.add(childPath(redirect, 'type'), 'must not be combined with a URLRewrite filter: a redirect forwards nothing to rewrite');

  const bp = childPath(p, 'backendRefs');
  const backends = v.optionalArray(o['backendRefs'], bp);
  if (backends === undefined) return;
  if (redirect !== undefined) v.add(bp, 'must be absent when a RequestRedirect filter answers the request');
  if (backends.length > MAX_LIST_ITEMS) v.add(bp, `must have at most ${MAX_LIST_ITEMS} items, got ${backends.length}`);
  const weights = backends.map((item, i) => validateBackendRef(v, item, indexPath(bp, i), true));
  if (!weights.some((w) => w !== undefined && w > 0) && weights.every((w) => w !== undefined)) v.add(bp, 'must have at least one backend with a weight above 0');
}

function validateRule(v: Violations, raw: unknown, p: string): void {
  const o = v.object(raw, p, ['matches', 'default']);
  if (!o) return;
  const mp = childPath(p, 'matches');
  const matches = v.array(o['matches'], mp);
  if (matches && matches.length === 0) v.add(mp, 'must have at least one match (use [{}] to match every request)');
  const matchTypes = (matches ?? []).map((m, i) => validateMatch(v, m, indexPath(mp, i)));
  validateRuleConf(v, o['default'], childPath(p, 'default'), matchTypes);
}

/** Validates a MeshHTTPRoute spec; every violation's field starts with `spec`. */
export function validateMeshHTTPRouteSpec(spec: unknown): Violation[] {
  const v = new Violations();
  const s = v.object(spec, 'spec', ['targetRef', 'to']);
  if (!s) return v.all;
  if (s['targetRef'] !== undefined) validateTargetRef(v, s['targetRef'], 'spec.targetRef', TOP_LEVEL_KINDS);
  const to = v.array(s['to'], 'spec.to');
  if (to && to.length === 0) v.add('spec.to', 'must have at least one entry');
  to?.forEach((raw, i) => {
    const p = indexPath('spec.to', i);
    const o: JsonObject | undefined = v.object(raw, p, ['targetRef', 'rules']);
    if (!o) return;
    if (o['targetRef'] === undefined) v.add(childPath(p, 'targetRef'), 'is required');
    else validateTargetRef(v, o['targetRef'], childPath(p, 'targetRef'), TO_KINDS);
    const rp = childPath(p, 'rules');
    const rules = v.array(o['rules'], rp);
    if (rules && rules.length === 0) v.add(rp, 'must have at least one rule');
    rules?.forEach((rule, j) => validateRule(v, rule, indexPath(rp, j)));
  });
  return v.all;
}
