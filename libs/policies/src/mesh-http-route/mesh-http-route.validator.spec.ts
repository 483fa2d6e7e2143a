import assert from 'node:assert/strict';
import { specTable } from '@mycel/testing';
import type { MeshHTTPRouteSpec } from './mesh-http-route.type';
import { MeshHTTPRouteType } from './mesh-http-route.type';

const validate = (spec: unknown) => MeshHTTPRouteType.validate(spec, { name: 'r', mesh: 'default', labels: {} });

/** A spec with one rule whose matches and default are given. */
const oneRule = (matches: unknown, dflt: unknown = {}) => ({ to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, rules: [{ matches, default: dflt }] }] });
const R = 'spec.to[0].rules[0]';

const FULL: MeshHTTPRouteSpec = {
  targetRef: { kind: 'MeshService', name: 'web' },
  to: [
    {
      targetRef: { kind: 'MeshService', name: 'backend' },
      rules: [
        {
          matches: [
            {
              path: { type: 'PathPrefix', value: '/api/' },
              method: 'GET',
              headers: [
                { name: 'x-a', value: '1' },
                { type: 'Prefix', name: 'x-b', value: 'p' },
                { type: 'RegularExpression', name: 'x-c', value: '^v[0-9]+$' },
                { type: 'Present', name: 'x-d' },
                { type: 'Absent', name: 'x-e' },
              ],
              queryParams: [
                { type: 'Exact', name: 'q', value: '1' },
                { type: 'RegularExpression', name: 'r', value: '.+' },
              ],
            },
            { path: { type: 'Exact', value: '/exact' } },
            { path: { type: 'RegularExpression', value: '^/v[0-9]+/x$' } },
            {},
          ],
          default: {
            filters: [
              { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-set', value: 'a' }], add: [{ name: 'x-add', value: 'b' }], remove: ['x-rm'] } },
              { type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: ['server'] } },
              { type: 'RequestMirror', requestMirror: { backendRef: { kind: 'MeshService', name: 'shadow' }, percentage: 10 } },
              { type: 'RequestMirror', requestMirror: { backendRef: { kind: 'MeshServiceSubset', name: 'shadow', tags: { version: 'v2' } }, percentage: '2.5' } },
            ],
            backendRefs: [
              { kind: 'MeshServiceSubset', name: 'backend', tags: { version: 'v1' }, weight: 90 },
              { kind: 'MeshServiceSubset', name: 'backend', tags: { version: 'v2' }, weight: 10 },
              { kind: 'MeshService', name: 'backend-next', weight: 0 },
            ],
          },
        },
      ],
    },
  ],
};

describe('MeshHTTPRoute', () => {
  it('is a mesh-scoped policy type with Kuma’s plural', () => {
    assert.equal(MeshHTTPRouteType.name, 'MeshHTTPRoute');
    assert.equal(MeshHTTPRouteType.plural, 'meshhttproutes');
    assert.equal(MeshHTTPRouteType.singular, 'meshhttproute');
  });

  specTable(
    validate,
    [
      { name: 'every match kind, weighted backends, header edits and mirrors', spec: FULL },
      { name: 'a catch-all rule without backends', spec: oneRule([{}]) },
      {
        name: 'a redirect',
        spec: oneRule([{ path: { type: 'PathPrefix', value: '/old' } }], {
          filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', hostname: 'example.com', port: 443, statusCode: 308, path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } }],
        }),
      },
      { name: 'a URL rewrite', spec: oneRule([{ path: { type: 'Exact', value: '/a' } }], { filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/b' } } }] }) },
      { name: 'a default weight of 1', spec: oneRule([{}], { backendRefs: [{ kind: 'MeshService', name: 'backend' }] }) },
    ],
    [
      { name: 'no to', spec: {}, violations: [{ field: 'spec.to', reason: 'is required' }] },
      { name: 'an empty to', spec: { to: [] }, violations: [{ field: 'spec.to', reason: 'must have at least one entry' }] },
      {
        name: 'a to[] entry without targetRef and rules, and with a kind it does not allow',
        spec: { to: [{}, { targetRef: { kind: 'Mesh' }, rules: [] }] },
        violations: [
          { field: 'spec.to[0].targetRef', reason: 'is required' },
          { field: 'spec.to[0].rules', reason: 'is required' },
          { field: 'spec.to[1].targetRef.kind', reason: "must be one of 'MeshService', got 'Mesh'" },
          { field: 'spec.to[1].rules', reason: 'must have at least one rule' },
        ],
      },
      {
        name: 'a rule without matches or default',
        spec: { to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, rules: [{ matches: [] }, { default: {} }] }] },
        violations: [
          { field: 'spec.to[0].rules[0].matches', reason: 'must have at least one match (use [{}] to match every request)' },
          { field: 'spec.to[0].rules[0].default', reason: 'is required' },
          { field: 'spec.to[0].rules[1].matches', reason: 'is required' },
        ],
      },
      {
        name: 'bad paths',
        spec: oneRule([
          { path: { type: 'Exact', value: 'api' } },
          { path: { type: 'PathPrefix', value: '/a?b' } },
          { path: { type: 'RegularExpression', value: '/a(?=b)' } },
          { path: { type: 'Glob', value: '/*' } },
          { path: { type: 'Exact' } },
        ]),
        violations: [
          { field: `${R}.matches[0].path.value`, reason: "must be an absolute path starting with '/', got 'api'" },
          { field: `${R}.matches[1].path.value`, reason: "must not contain '?', '#' or whitespace, got '/a?b'" },
          { field: `${R}.matches[2].path.value`, reason: 'must not use lookahead or lookbehind assertions: RE2 does not support them' },
          { field: `${R}.matches[3].path.type`, reason: "must be one of 'Exact', 'PathPrefix', 'RegularExpression', got 'Glob'" },
          { field: `${R}.matches[4].path.value`, reason: 'is required' },
        ],
      },
      {
        name: 'bad methods, headers and query parameters',
        spec: oneRule([
          {
            method: 'get',
            headers: [
              { name: ':authority', value: 'x' },
              { type: 'Present', name: 'x-a', value: 'y' },
              { name: 'x-b' },
              { type: 'RegularExpression', name: 'x-c', value: '(a)\\1' },
              { name: 'X-B', value: 'again' },
              { name: 'x-d', value: 'bad\nvalue' },
              { type: 'Prefix', name: 'x-e', value: '' },
              { type: 'Suffix', name: 'x-f', value: 'z' },
            ],
            queryParams: [{ name: 'q', value: '1' }, { type: 'RegularExpression', name: 'q', value: '[' }],
          },
        ]),
        violations: [
          { field: `${R}.matches[0].method`, reason: "must be one of 'CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', got 'get'" },
          { field: `${R}.matches[0].headers[0].name`, reason: "must be a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~), got ':authority'" },
          { field: `${R}.matches[0].headers[1].value`, reason: 'must be absent for type Present' },
          { field: `${R}.matches[0].headers[2].value`, reason: 'is required' },
          { field: `${R}.matches[0].headers[3].value`, reason: 'must not use backreferences (\\1 …): RE2 does not support them' },
          { field: `${R}.matches[0].headers[4].name`, reason: "must be unique: header 'X-B' is already used by spec.to[0].rules[0].matches[0].headers[2]" },
          { field: `${R}.matches[0].headers[5].value`, reason: 'must not contain CR, LF or NUL characters' },
          { field: `${R}.matches[0].headers[6].value`, reason: 'must not be empty for type Prefix' },
          { field: `${R}.matches[0].headers[7].type`, reason: "must be one of 'Exact', 'Present', 'RegularExpression', 'Absent', 'Prefix', got 'Suffix'" },
          { field: `${R}.matches[0].queryParams[0].type`, reason: 'is required' },
          { field: `${R}.matches[0].queryParams[1].name`, reason: "must be unique: query parameter 'q' is already used by spec.to[0].rules[0].matches[0].queryParams[0]" },
          { field: `${R}.matches[0].queryParams[1].value`, reason: 'must be a valid RE2 regular expression: Unterminated character class' },
        ],
      },
      {
        name: 'backends whose weights are all zero',
        spec: oneRule([{}], { backendRefs: [{ kind: 'MeshService', name: 'a', weight: 0 }] }),
        violations: [{ field: `${R}.default.backendRefs`, reason: 'must have at least one backend with a weight above 0' }],
      },
      {
        name: 'an empty backend list',
        spec: oneRule([{}], { backendRefs: [] }),
        violations: [{ field: `${R}.default.backendRefs`, reason: 'must have at least one backend with a weight above 0' }],
      },
      {
        name: 'bad backends',
        spec: oneRule([{}], {
          backendRefs: [
            { kind: 'MeshService', name: 'a', weight: -1 },
            { kind: 'MeshService', name: 'b', tags: { version: 'v1' } },
            { kind: 'MeshServiceSubset', name: 'c' },
            { kind: 'MeshServiceSubset', name: 'd', tags: { 'mycel.io/service': 'd', version: 'v1' } },
            { kind: 'MeshExternalService', name: 'e', weight: 1.5 },
            { kind: 'MeshService', name: 'f', weight: 1_000_001, port: 80 },
            { kind: 'MeshService', name: 'ok' },
          ],
        }),
        violations: [
          { field: `${R}.default.backendRefs[0].weight`, reason: 'must be between 0 and 1000000, got -1' },
          { field: `${R}.default.backendRefs[1].tags`, reason: 'must be absent for kind MeshService (use MeshServiceSubset)' },
          { field: `${R}.default.backendRefs[2].tags`, reason: 'is required' },
          { field: `${R}.default.backendRefs[3].tags["mycel.io/service"]`, reason: 'must be absent: name selects the service' },
          { field: `${R}.default.backendRefs[4].kind`, reason: "must be one of 'MeshService', 'MeshServiceSubset', got 'MeshExternalService'" },
          { field: `${R}.default.backendRefs[4].weight`, reason: 'must be an integer, got 1.5' },
          { field: `${R}.default.backendRefs[5].port`, reason: 'unknown field' },
          { field: `${R}.default.backendRefs[5].weight`, reason: 'must be between 0 and 1000000, got 1000001' },
        ],
      },
      {
        name: 'more than 16 backends',
        spec: oneRule([{}], { backendRefs: Array.from({ length: 17 }, (_, i) => ({ kind: 'MeshService', name: `s${i}` })) }),
        violations: [{ field: `${R}.default.backendRefs`, reason: 'must have at most 16 items, got 17' }],
      },
      {
        name: 'filters with the wrong or a missing configuration, and duplicates',
        spec: oneRule([{}], {
          filters: [
            { type: 'RequestHeaderModifier', responseHeaderModifier: { remove: ['a'] } },
            { type: 'RequestHeaderModifier', requestHeaderModifier: {} },
            { type: 'Unknown' },
            { type: 'RequestMirror', requestMirror: { percentage: 101 } },
          ],
        }),
        violations: [
          { field: `${R}.default.filters[0].responseHeaderModifier`, reason: 'must be absent for type RequestHeaderModifier' },
          { field: `${R}.default.filters[0].requestHeaderModifier`, reason: 'is required for type RequestHeaderModifier' },
          { field: `${R}.default.filters[1].requestHeaderModifier`, reason: 'must set at least one of set, add, remove' },
          { field: `${R}.default.filters[1].type`, reason: 'must be unique: filter type RequestHeaderModifier is already used by spec.to[0].rules[0].default.filters[0]' },
          { field: `${R}.default.filters[2].type`, reason: "must be one of 'RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'RequestMirror', got 'Unknown'" },
          { field: `${R}.default.filters[3].requestMirror.backendRef`, reason: 'is required' },
          { field: `${R}.default.filters[3].requestMirror.percentage`, reason: 'must be between 0 and 100, got 101' },
        ],
      },
      {
        name: 'bad header modifiers',
        spec: oneRule([{}], {
          filters: [
            {
              type: 'ResponseHeaderModifier',
              responseHeaderModifier: {
                set: [{ name: 'Host', value: 'x' }, { name: 'x-a', value: 1 }, { name: 'X-A', value: 'b' }],
                add: Array.from({ length: 17 }, (_, i) => ({ name: `x-${i}`, value: 'v' })),
                remove: ['bad name'],
              },
            },
          ],
        }),
        violations: [
          { field: `${R}.default.filters[0].responseHeaderModifier.set[0].name`, reason: "must not be 'host': Envoy does not edit it with header modifiers (use URLRewrite hostname)" },
          { field: `${R}.default.filters[0].responseHeaderModifier.set[1].value`, reason: 'must be a string, got number' },
          { field: `${R}.default.filters[0].responseHeaderModifier.set[2].name`, reason: "must be unique: header 'X-A' is already used by spec.to[0].rules[0].default.filters[0].responseHeaderModifier.set[1]" },
          { field: `${R}.default.filters[0].responseHeaderModifier.add`, reason: 'must have at most 16 items, got 17' },
          { field: `${R}.default.filters[0].responseHeaderModifier.remove[0]`, reason: "must be a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~), got 'bad name'" },
        ],
      },
      {
        name: 'a redirect with backends, a rewrite and bad fields',
        spec: oneRule([{ path: { type: 'Exact', value: '/a' } }], {
          filters: [
            { type: 'RequestRedirect', requestRedirect: { scheme: 'ftp', hostname: 'Bad_Host', port: 0, statusCode: 304, path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/b' } } },
            { type: 'URLRewrite', urlRewrite: {} },
          ],
          backendRefs: [{ kind: 'MeshService', name: 'a' }],
        }),
        violations: [
          { field: `${R}.default.filters[0].requestRedirect.scheme`, reason: "must be one of 'http', 'https', got 'ftp'" },
          {
            field: `${R}.default.filters[0].requestRedirect.hostname`,
            reason: "must consist of lowercase alphanumeric characters, '-' or '.', and start and end with an alphanumeric character, got 'Bad_Host'",
          },
          { field: `${R}.default.filters[0].requestRedirect.path.type`, reason: 'ReplacePrefixMatch needs every match of the rule to be a PathPrefix match, but matches[0] is not' },
          { field: `${R}.default.filters[0].requestRedirect.port`, reason: 'must be between 1 and 65535, got 0' },
          { field: `${R}.default.filters[0].requestRedirect.statusCode`, reason: 'must be one of 301, 302, 303, 307, 308, got 304' },
          { field: `${R}.default.filters[1].urlRewrite`, reason: 'must set at least one of hostname, path' },
          { field: `${R}.default.filters[0].type`, reason: 'must not be combined with a URLRewrite filter: a redirect forwards nothing to rewrite' },
          { field: `${R}.default.backendRefs`, reason: 'must be absent when a RequestRedirect filter answers the request' },
        ],
      },
      {
        name: 'path rewrites with the wrong field',
        spec: oneRule([{ path: { type: 'PathPrefix', value: '/a' } }], {
          filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replacePrefixMatch: '/b' } } }],
        }),
        violations: [
          { field: `${R}.default.filters[0].urlRewrite.path.replaceFullPath`, reason: 'is required' },
          { field: `${R}.default.filters[0].urlRewrite.path.replacePrefixMatch`, reason: 'must be absent for type ReplaceFullPath' },
        ],
      },
      {
        name: 'a ReplacePrefixMatch on a rule matching every request',
        spec: oneRule([{}], { filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/b' } } }] }),
        violations: [
          { field: `${R}.default.filters[0].urlRewrite.path.type`, reason: 'ReplacePrefixMatch needs every match of the rule to be a PathPrefix match, but matches[0] is not' },
        ],
      },
      {
        name: 'a mirror percentage that is not a number',
        spec: oneRule([{}], { filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { kind: 'MeshService', name: 'a', weight: 1 }, percentage: 'half' } }] }),
        violations: [
          { field: `${R}.default.filters[0].requestMirror.backendRef.weight`, reason: 'unknown field' },
          { field: `${R}.default.filters[0].requestMirror.percentage`, reason: 'must be a number between 0 and 100 (or a decimal string), got string' },
        ],
      },
    ],
  );
});
