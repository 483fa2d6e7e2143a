import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { dataplaneBody, meshBody } from './resources';

/** What the fuzzer sends: every part optional, so shrinking can drop what does not matter. */
export interface FuzzRequest {
  readonly method: string;
  /** Path and query, starting with `/`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

/** Methods fetch can send (it refuses CONNECT, TRACE and TRACK). */
export const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** Path segments the API knows, so random paths often reach real handlers. */
const KNOWN_SEGMENTS = [
  'meshes',
  'default',
  'fuzz',
  'dataplanes',
  'dataplane-insights',
  'secrets',
  'zones',
  'zone-insights',
  'global-secrets',
  '_resources',
  'tokens',
  'user',
  'revocations',
  'dp-1',
  'zone-1',
  'healthz',
  'readyz',
  'metrics',
  'docs',
  'openapi.json',
];

/** Segments that break naive path handling: bad percent-encoding, traversal, prototype keys, odd bytes. */
const HOSTILE_SEGMENTS = [
  '%',
  '%Z',
  '%ZZ',
  '%00',
  '%2F',
  '%2f..%2f',
  '%2e%2e',
  '..',
  '.',
  '%E0%A4%A',
  '%FF',
  '%C0%AF',
  '%F0%9F%92%A9',
  '%20',
  '%0A',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'UPPER',
  'a_b',
  '-',
  'a'.repeat(254),
  'b'.repeat(2000),
  encodeURIComponent('é'),
  encodeURIComponent('<script>'),
];

/** One path segment: known, hostile, a valid-looking name, or any string percent-encoded. */
export const segmentArb: Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KNOWN_SEGMENTS) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,14}[a-z0-9])?$/) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }).map(encodeURIComponent) },
);

/** The API's path templates; `{x}` is filled with a segment. */
const TEMPLATES = [
  '/meshes',
  '/meshes/{}',
  '/meshes/{}/{}',
  '/meshes/{}/{}/{}',
  '/meshes/default/dataplanes/{}',
  '/meshes/fuzz/{}/{}',
  '/{}',
  '/{}/{}',
  '/zones/{}',
  '/global-secrets/{}',
  '/meshes/default/dataplane-insights/{}',
  '/zone-insights/{}',
  '/_resources',
  '/tokens/user',
  '/tokens/revocations',
  '/tokens/{}',
  '/',
  '/healthz',
  '/readyz',
  '/openapi.json',
];

const templateArb: Arbitrary<string> = fc
  .tuple(fc.constantFrom(...TEMPLATES), fc.array(segmentArb, { minLength: 3, maxLength: 3 }))
  .map(([template, segments]) => {
    let i = 0;
    return template.replace(/\{\}/g, () => segments[i++] ?? 'x');
  });

/** Query strings: the listing parameters with good and bad values, unknown ones, and random text. */
const queryArb: Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  {
    weight: 4,
    arbitrary: fc
      .array(
        fc.oneof(
          fc.integer({ min: -5, max: 1500 }).map((n) => `size=${n}`),
          fc.constantFrom('size=', 'size=abc', 'size=1.5', 'size[]=1', 'size[a]=1', 'offset=', 'offset=AAAA', 'offset=%ZZ', 'dryRun=true', 'dryRun=maybe'),
          fc.string({ maxLength: 12 }).map((s) => `offset=${encodeURIComponent(s)}`),
          fc.string({ maxLength: 12 }).map((s) => `name=${encodeURIComponent(s)}`),
          fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([k, v]) => `filter[labels.${encodeURIComponent(k)}]=${encodeURIComponent(v)}`),
          fc.constantFrom('filter=x', 'filter[spec.a]=1', 'filter[labels.a][b]=c', 'filter[labels.team]=a', '__proto__[x]=1', 'constructor=1', 'a[b][c][d][e][f][g]=1'),
          fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((parts) => `?${parts.join('&')}`),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => `?${s.replace(/#/g, '%23')}`) },
);

/** A path (with query) from a real template, a random sequence of segments, or a random string. */
export const pathArb: Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: templateArb },
      { weight: 2, arbitrary: fc.array(segmentArb, { maxLength: 6 }).map((s) => `/${s.join('/')}`) },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => `/${s.replace(/[#?]/g, encodeURIComponent)}`) },
    ),
    queryArb,
  )
  .map(([path, query]) => path + query);

/** Header values fetch accepts: printable ASCII. */
const headerText = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });

const contentTypeArb: Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/yaml', 'application/json; charset=utf-8', 'text/yaml', 'application/x-yaml') },
  { weight: 2, arbitrary: fc.constantFrom(undefined, 'text/plain', 'APPLICATION/JSON', 'application/problem+json', 'multipart/form-data', '', ';', 'application/json;;', 'text/x-yaml; q=0') },
  { weight: 1, arbitrary: headerText(30) },
);

const ifMatchArb: Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.constantFrom('*', '"1"', 'W/"1"', '1', '"2"', '"999999999999999999999"', 'garbage', '"', '', '"1", "2"') },
  { weight: 1, arbitrary: headerText(20) },
);

/** Authorization: mostly the admin token (so authentication does not hide the handlers), sometimes not. */
export function authorizationArb(adminToken: string): Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant(`Bearer ${adminToken}`) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, 'Bearer', 'Bearer garbage', `Basic ${adminToken}`, `Bearer ${adminToken}x`, 'Bearer a.b.c') },
    { weight: 1, arbitrary: headerText(60) },
  );
}

/** Headers of a request; absent entries are left out. */
export function headersArb(adminToken: string): Arbitrary<Record<string, string>> {
  return fc.tuple(contentTypeArb, ifMatchArb, authorizationArb(adminToken)).map(([contentType, ifMatch, authorization]) => {
    const headers: Record<string, string> = {};
    if (contentType !== undefined) headers['content-type'] = contentType;
    if (ifMatch !== undefined) headers['if-match'] = ifMatch;
    if (authorization !== undefined) headers['authorization'] = authorization;
    return headers;
  });
}

/** Renders a JSON value as block-style YAML (strings JSON-quoted, which is valid YAML). */
export function toYaml(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return value.map((v) => `\n${indent}- ${toYaml(v, `${indent}  `).replace(/^\n\s*/, '')}`).join('');
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    return entries.map(([k, v]) => `\n${indent}${JSON.stringify(k)}: ${toYaml(v, `${indent}  `)}`).join('');
  }
  return JSON.stringify(value) ?? 'null';
}

/** Valid request bodies the fuzzer mutates, with where they go. */
export interface Template {
  readonly method: 'PUT' | 'POST';
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/** Valid writes of every writable kind; `name` makes their paths fresh. */
export function validTemplates(name: string): Template[] {
  return [
    { method: 'PUT', path: `/meshes/${name}`, body: meshBody(name, { team: 'fuzz' }) },
    { method: 'PUT', path: '/meshes/fuzz', body: { type: 'Mesh', name: 'fuzz', spec: {} } },
    { method: 'PUT', path: `/meshes/fuzz/dataplanes/${name}`, body: dataplaneBody('fuzz', name, { labels: { app: 'x' } }) },
    {
      method: 'PUT',
      path: `/meshes/fuzz/dataplanes/${name}`,
      body: {
        spec: {
          networking: {
            address: '192.168.0.1',
            advertisedAddress: 'dp.example.com',
            admin: { port: 9901 },
            inbound: [
              { port: 8080, servicePort: 80, serviceAddress: '127.0.0.1', tags: { 'mycel.io/service': 'a', 'mycel.io/protocol': 'http' }, health: { ready: true } },
              { port: 8081, address: '10.1.1.1', tags: { 'mycel.io/service': 'b' } },
            ],
            outbound: [
              { port: 10001, tags: { 'mycel.io/service': 'c' } },
              { port: 10002, address: '127.0.0.2', backendRef: { kind: 'MeshService', name: 'd', port: 80 } },
            ],
            transparentProxying: { redirectPortInbound: 15006, redirectPortOutbound: 15001, ipFamilyMode: 'ipv4' },
          },
        },
      },
    },
    {
      method: 'PUT',
      path: `/meshes/fuzz/dataplanes/${name}`,
      body: { spec: { networking: { address: '10.0.0.9', gateway: { type: 'BUILTIN', tags: { 'mycel.io/service': 'gw' } } } } },
    },
    { method: 'PUT', path: `/meshes/fuzz/secrets/${name}`, body: { type: 'Secret', mesh: 'fuzz', name, spec: { data: 'c2VjcmV0' } } },
    { method: 'PUT', path: `/zones/${name}`, body: { type: 'Zone', name, spec: { enabled: true } } },
    { method: 'PUT', path: `/global-secrets/${name}`, body: { spec: { data: 'YQ==' } } },
    { method: 'POST', path: '/tokens/user', body: { name, role: 'operator', meshes: ['fuzz'], validFor: '1h' } },
    { method: 'POST', path: '/tokens/revocations', body: { jti: name } },
  ];
}

type Path = ReadonlyArray<string | number>;

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

/** One way to break (or not) a valid body at one place. */
export type Mutation =
  | { readonly kind: 'delete' }
  | { readonly kind: 'set'; readonly value: unknown }
  | { readonly kind: 'add-field'; readonly key: string; readonly value: unknown }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'none' };

/** Values a validator is likely to mishandle. */
const nastyValueArb: Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(70000, 0, -1, 1.5, 1e308, -0, 65535, 65536, '8080', '', ' ', 'a'.repeat(300), '10.0.0.256', '::1', '[::1]', 'BUILTIN', 'MeshService', null, true, [], {}, ['x'], { a: 1 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 20 }),
);

export const mutationArb: Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Mutation>({ kind: 'none' }) },
  { weight: 3, arbitrary: fc.constant<Mutation>({ kind: 'delete' }) },
  { weight: 5, arbitrary: nastyValueArb.map((value): Mutation => ({ kind: 'set', value })) },
  { weight: 2, arbitrary: fc.tuple(fc.oneof(fc.constantFrom('foo', '__proto__', 'constructor', 'spec', 'type', 'version'), fc.string({ maxLength: 8 })), nastyValueArb).map(([key, value]): Mutation => ({ kind: 'add-field', key, value })) },
  { weight: 1, arbitrary: fc.constant<Mutation>({ kind: 'duplicate' }) },
);

/** `body` with `mutation` applied at the `at`-th (modulo) place of its tree; the input is not changed. */
export function mutate(body: Record<string, unknown>, at: number, mutation: Mutation): unknown {
  const root = structuredClone(body) as unknown;
  const paths = pathsOf(root);
  const path = paths[at % paths.length] ?? [];
  if (mutation.kind === 'none') return root;
  if (path.length === 0) {
    if (mutation.kind === 'set') return mutation.value;
    if (mutation.kind === 'delete') return undefined;
  }
  let parent: unknown = root;
  for (const step of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[step];
  const last = path[path.length - 1];
  const container = parent as Record<string | number, unknown>;
  const target = last === undefined ? root : container[last];
  switch (mutation.kind) {
    case 'delete':
      if (Array.isArray(container) && typeof last === 'number') container.splice(last, 1);
      else if (last !== undefined) delete container[last];
      break;
    case 'set':
      if (last !== undefined) container[last] = mutation.value;
      break;
    case 'add-field':
      if (typeof target === 'object' && target !== null && !Array.isArray(target)) {
        Object.defineProperty(target, mutation.key, { value: mutation.value, enumerable: true, writable: true, configurable: true });
      } else if (last !== undefined) container[last] = { [mutation.key]: mutation.value };
      break;
    case 'duplicate':
      if (Array.isArray(target) && target.length > 0) target.push(structuredClone(target[0]));
      else if (Array.isArray(container) && last !== undefined) container.push(structuredClone(target));
      break;
  }
  return root;
}

/** Bodies for any request: JSON values, YAML, random bytes, deep nesting and huge strings. */
export const anyBodyArb: Arbitrary<string | Uint8Array | undefined> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((v) => toYaml(v)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 512 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.integer({ min: 40, max: 20000 }), fc.constantFrom('[', '{"a":', '- ', '? ', '{a: ', 'a:\n ')).map(([n, open]) => {
      const close = open === '[' ? ']' : open === '{"a":' ? '}' : open === '{a: ' ? '}' : '';
      const text = open.repeat(n) + (open.startsWith('{') ? '1' : 'x') + close.repeat(n);
      return text.length > 60_000 ? text.slice(0, 60_000) : text;
    }),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 60_000, max: 70_000 }).map((n) => JSON.stringify({ type: 'Mesh', labels: { a: 'b' }, spec: { pad: 'x'.repeat(n) } })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '%YAML 1.1\n---\nspec: 2001-12-14\n',
      'spec: !!binary aGVsbG8=\n',
      'a: &a [*a]\n',
      'a: &a [1]\nb: [*a, *a, *a]\n',
      '? [a]\n: b\n',
      '<<: {type: Mesh}\n',
      'spec: {enabled: .nan}\n',
      '--- a\n--- b\n',
      '\ufeff{}',
      '{"__proto__": {"polluted": true}}',
      '{"labels": {"__proto__": "x"}}',
      '{"spec": {"constructor": {"prototype": {"x": 1}}}}',
      'type: Mesh\nname: "\\u0000"\n',
    ),
  },
);
