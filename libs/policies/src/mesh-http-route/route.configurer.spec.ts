import assert from 'node:assert/strict';
import type { JsonObject } from '@mycel/core';
import type { HttpRouteMatch, HttpRouteRule } from './mesh-http-route.type';
import type { ClusterResolver } from './route.configurer';
import { buildRoutes, compareMatches } from './route.configurer';

const resolve: ClusterResolver = (service, tags) => (Object.keys(tags).length === 0 ? service : `${service}[${Object.values(tags).join(',')}]`);
const envoy = { cluster: 'backend', proxyless: false };
const grpc = { cluster: 'echo', proxyless: true };
const rule = (matches: HttpRouteMatch[], dflt: HttpRouteRule['default'] = {}): HttpRouteRule => ({ matches, default: dflt });
const matchesOf = (routes: JsonObject[]) => routes.map((r) => r['match']);

describe('MeshHTTPRoute route configurer', () => {
  it('orders matches: exact, then longer prefixes and patterns, then method, headers, query parameters', () => {
    const m: Record<string, HttpRouteMatch> = {
      all: {},
      header: { headers: [{ name: 'a', value: '1' }] },
      twoHeaders: { headers: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }] },
      method: { method: 'GET' },
      query: { queryParams: [{ type: 'Exact', name: 'q', value: '1' }] },
      exact: { path: { type: 'Exact', value: '/a' } },
      shortPrefix: { path: { type: 'PathPrefix', value: '/a' } },
      longPrefix: { path: { type: 'PathPrefix', value: '/a/b/c' } },
      regex: { path: { type: 'RegularExpression', value: '/a/b.*' } },
    };
    const sorted = Object.entries(m)
      .sort(([, a], [, b]) => compareMatches(a, b))
      .map(([name]) => name);
    assert.deepEqual(sorted, ['exact', 'longPrefix', 'regex', 'shortPrefix', 'method', 'twoHeaders', 'header', 'query', 'all']);
  });

  it('expands PathPrefix to the path itself plus the path and a slash; `/` stays one prefix', () => {
    assert.deepEqual(matchesOf(buildRoutes([rule([{ path: { type: 'PathPrefix', value: '/api/' } }])], envoy, resolve)), [{ path: '/api' }, { prefix: '/api/' }, { prefix: '/' }]);
    assert.deepEqual(matchesOf(buildRoutes([rule([{ path: { type: 'PathPrefix', value: '/' } }])], envoy, resolve)), [{ prefix: '/' }]);
  });

  it('appends a catch-all to the destination unless a rule matches every request', () => {
    const routes = buildRoutes([rule([{ path: { type: 'Exact', value: '/a' } }], { backendRefs: [{ kind: 'MeshService', name: 'other' }] })], envoy, resolve);
    assert.deepEqual(routes, [
      { match: { path: '/a' }, route: { cluster: 'other' } },
      { match: { prefix: '/' }, route: { cluster: 'backend' } },
    ]);
    const all = buildRoutes([rule([{}], { backendRefs: [{ kind: 'MeshService', name: 'other' }] })], envoy, resolve);
    assert.deepEqual(all, [{ match: { prefix: '/' }, route: { cluster: 'other' } }]);
  });

  it('merges backends resolving to one cluster, drops zero weights, and uses a single cluster when one is left', () => {
    const weighted = buildRoutes(
      [
        rule([{}], {
          backendRefs: [
            { kind: 'MeshServiceSubset', name: 'b', tags: { version: 'v1' }, weight: 60 },
            { kind: 'MeshServiceSubset', name: 'b', tags: { version: 'v2' }, weight: 30 },
            { kind: 'MeshServiceSubset', name: 'b', tags: { version: 'v1' }, weight: 10 },
            { kind: 'MeshService', name: 'c', weight: 0 },
          ],
        }),
      ],
      envoy,
      resolve,
    );
    assert.deepEqual(weighted[0]?.['route'], {
      weighted_clusters: {
        clusters: [
          { name: 'b[v1]', weight: { value: 70 } },
          { name: 'b[v2]', weight: { value: 30 } },
        ],
      },
    });
    const single = buildRoutes([rule([{}], { backendRefs: [{ kind: 'MeshService', name: 'b', weight: 5 }, { kind: 'MeshService', name: 'c', weight: 0 }] })], envoy, resolve);
    assert.deepEqual(single[0]?.['route'], { cluster: 'b' });
  });

  it('matches methods with the :method header for Envoy', () => {
    const routes = buildRoutes([rule([{ method: 'PUT', headers: [{ type: 'Absent', name: 'x' }] }])], envoy, resolve);
    assert.deepEqual(routes[0]?.['match'], {
      prefix: '/',
      headers: [
        { name: ':method', string_match: { exact: 'PUT' } },
        { name: 'x', present_match: true, invert_match: true },
      ],
    });
  });

  it('rewrites prefixes per path variant, keeping the separator under the prefix', () => {
    const routes = buildRoutes(
      [rule([{ path: { type: 'PathPrefix', value: '/old' } }], { filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } }] })],
      envoy,
      resolve,
    );
    assert.deepEqual(
      routes.map((r) => [r['match'], (r['route'] as JsonObject)['prefix_rewrite']]),
      [
        [{ path: '/old' }, '/new'],
        [{ prefix: '/old/' }, '/new/'],
        [{ prefix: '/' }, undefined],
      ],
    );
  });

  it('gives proxyless clients only what gRPC honours', () => {
    const routes = buildRoutes(
      [
        rule([{ method: 'POST', path: { type: 'Exact', value: '/pkg.Svc/Call' } }], {
          filters: [
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x', value: '1' }] } },
            { type: 'RequestMirror', requestMirror: { backendRef: { kind: 'MeshService', name: 'shadow' } } },
            { type: 'URLRewrite', urlRewrite: { hostname: 'h' } },
          ],
          backendRefs: [{ kind: 'MeshServiceSubset', name: 'echo', tags: { version: 'v2' } }],
        }),
        rule([{ method: 'GET' }]),
        rule([{ queryParams: [{ type: 'Exact', name: 'q', value: '1' }] }]),
        rule([{ path: { type: 'Exact', value: '/pkg.Svc/Old' } }], { filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'x' } }] }),
      ],
      grpc,
      resolve,
    );
    assert.deepEqual(routes, [
      { match: { path: '/pkg.Svc/Call' }, route: { cluster: 'echo[v2]' } },
      { match: { prefix: '/' }, route: { cluster: 'echo' } },
    ]);
  });
});
