import type { JsonObject } from '@mycel/core';
import type {
  BackendRef,
  HeaderModifier,
  HttpRouteFilter,
  HttpRouteMatch,
  HttpRouteRule,
  HttpRouteRuleConf,
  PathRewrite,
  RequestMirror,
  RequestRedirect,
  UrlRewrite,
} from './mesh-http-route.type';

/** Resolves a backend (service, optional subset tags) to the name of a cluster that exists in the proxy's resource set. */
export type ClusterResolver = (service: string, tags: Readonly<Record<string, string>>) => string;

/** What the routes are built for. */
export interface RouteTarget {
  /** Cluster of the `to[]` destination: where rules without backendRefs, and unmatched requests, go. */
  readonly cluster: string;
  /** True for a proxyless gRPC client, which honours matching, weighted clusters and timeouts only. */
  readonly proxyless: boolean;
}

const REDIRECT_CODES: Readonly<Record<number, string>> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

interface PathKey {
  readonly rank: number;
  readonly length: number;
}

/**
 * Precedence of a path match: Exact first, then PathPrefix and RegularExpression together, longer
 * values first (the Gateway API leaves regular expressions to the implementation; ranking them
 * after every prefix would make any regex unreachable behind a `/` prefix rule). No path is
 * PathPrefix `/`.
 */
function pathKey(match: HttpRouteMatch): PathKey {
  const path = match.path ?? { type: 'PathPrefix', value: '/' };
  return { rank: path.type === 'Exact' ? 0 : 1, length: path.value.length };
}

/**
 * Orders matches most specific first (the Gateway API precedence; see `pathKey` for regular
 * expressions): exact paths, then longer prefixes and patterns, then a method before none, then
 * more headers, then more query parameters. Returns 0 for equally specific matches (the caller's
 * sort is stable).
 */
export function compareMatches(a: HttpRouteMatch, b: HttpRouteMatch): number {
  const pa = pathKey(a);
  const pb = pathKey(b);
  if (pa.rank !== pb.rank) return pa.rank - pb.rank;
  if (pa.rank !== 0 && pa.length !== pb.length) return pb.length - pa.length;
  if ((a.method !== undefined) !== (b.method !== undefined)) return a.method !== undefined ? -1 : 1;
  const headers = (b.headers?.length ?? 0) - (a.headers?.length ?? 0);
  if (headers !== 0) return headers;
  return (b.queryParams?.length ?? 0) - (a.queryParams?.length ?? 0);
}

/** One Envoy path condition a match expands to; a PathPrefix `/a` expands to `/a` exactly plus the prefix `/a/`. */
interface PathVariant {
  readonly match: JsonObject;
  /** How a ReplacePrefixMatch rewrite applies: `exact` for the bare path, `prefix` when a `/` ends the matched prefix. */
  readonly kind: 'exact' | 'prefix' | 'other';
}

function pathVariants(match: HttpRouteMatch): PathVariant[] {
  const path = match.path;
  if (path === undefined) return [{ match: { prefix: '/' }, kind: 'prefix' }];
  switch (path.type) {
    case 'Exact':
      return [{ match: { path: path.value }, kind: 'other' }];
    case 'RegularExpression':
      return [{ match: { safe_regex: { regex: path.value } }, kind: 'other' }];
    case 'PathPrefix': {
      // Segment semantics without `path_separated_prefix`, which gRPC does not support.
      const bare = path.value.replace(/\/+$/, '');
      if (bare === '') return [{ match: { prefix: '/' }, kind: 'prefix' }];
      return [
        { match: { path: bare }, kind: 'exact' },
        { match: { prefix: `${bare}/` }, kind: 'prefix' },
      ];
    }
  }
}

function headerMatchers(match: HttpRouteMatch, proxyless: boolean): JsonObject[] {
  const out: JsonObject[] = [];
  // gRPC always sends POST, and its header matchers cannot see pseudo-headers: leave the condition out (see routesFor).
  if (match.method !== undefined && !proxyless) out.push({ name: ':method', string_match: { exact: match.method } });
  for (const h of match.headers ?? []) {
    switch (h.type ?? 'Exact') {
      case 'Exact':
        out.push({ name: h.name, string_match: { exact: h.value ?? '' } });
        break;
      case 'Prefix':
        out.push({ name: h.name, string_match: { prefix: h.value ?? '' } });
        break;
      case 'RegularExpression':
        out.push({ name: h.name, string_match: { safe_regex: { regex: h.value ?? '' } } });
        break;
      case 'Present':
        out.push({ name: h.name, present_match: true });
        break;
      case 'Absent':
        // `present_match: false` means "absent" only in recent Envoy and never in gRPC; an inverted presence check means it everywhere.
        out.push({ name: h.name, present_match: true, invert_match: true });
        break;
    }
  }
  return out;
}

function queryMatchers(match: HttpRouteMatch): JsonObject[] {
  return (match.queryParams ?? []).map((q) => ({ name: q.name, string_match: q.type === 'Exact' ? { exact: q.value } : { safe_regex: { regex: q.value } } }));
}

function headerOptions(list: HeaderModifier['set'], action: string): JsonObject[] {
  return (list ?? []).map((h) => ({ header: { key: h.name, value: h.value }, append_action: action }));
}

function applyHeaderModifier(route: JsonObject, modifier: HeaderModifier, side: 'request' | 'response'): void {
  const add = [...headerOptions(modifier.set, 'OVERWRITE_IF_EXISTS_OR_ADD'), ...headerOptions(modifier.add, 'APPEND_IF_EXISTS_OR_ADD')];
  if (add.length > 0) route[`${side}_headers_to_add`] = add;
  if ((modifier.remove ?? []).length > 0) route[`${side}_headers_to_remove`] = [...(modifier.remove ?? [])];
}

function prefixReplacement(replacement: string, variant: PathVariant): string {
  // `/a` → `/b`: the bare path becomes `/b`; under the prefix `/a/` the separator is kept (`/a/x` → `/b/x`).
  if (variant.kind === 'prefix' && !replacement.endsWith('/')) return `${replacement}/`;
  return replacement;
}

function redirectAction(redirect: RequestRedirect, variant: PathVariant): JsonObject {
  const action: JsonObject = {};
  if (redirect.scheme !== undefined) action['scheme_redirect'] = redirect.scheme;
  if (redirect.hostname !== undefined) action['host_redirect'] = redirect.hostname;
  if (redirect.port !== undefined) action['port_redirect'] = redirect.port;
  const path = redirect.path;
  if (path?.type === 'ReplaceFullPath' && path.replaceFullPath !== undefined) action['path_redirect'] = path.replaceFullPath;
  if (path?.type === 'ReplacePrefixMatch' && path.replacePrefixMatch !== undefined) action['prefix_rewrite'] = prefixReplacement(path.replacePrefixMatch, variant);
  action['response_code'] = REDIRECT_CODES[redirect.statusCode ?? 302] ?? 'FOUND';
  return action;
}

function applyRewrite(action: JsonObject, rewrite: UrlRewrite, variant: PathVariant): void {
  if (rewrite.hostname !== undefined) action['host_rewrite_literal'] = rewrite.hostname;
  const path: PathRewrite | undefined = rewrite.path;
  if (path?.type === 'ReplaceFullPath' && path.replaceFullPath !== undefined) {
    action['regex_rewrite'] = { pattern: { regex: '^.*$' }, substitution: path.replaceFullPath };
  }
  if (path?.type === 'ReplacePrefixMatch' && path.replacePrefixMatch !== undefined) action['prefix_rewrite'] = prefixReplacement(path.replacePrefixMatch, variant);
}

function mirrorPolicy(mirror: RequestMirror, resolve: ClusterResolver): JsonObject {
  const policy: JsonObject = { cluster: resolve(mirror.backendRef.name, mirror.backendRef.tags ?? {}) };
  const percentage = mirror.percentage === undefined ? 100 : Number(mirror.percentage);
  if (percentage < 100) {
    policy['runtime_fraction'] = Number.isInteger(percentage)
      ? { default_value: { numerator: percentage, denominator: 'HUNDRED' } }
      : { default_value: { numerator: Math.round(percentage * 10_000), denominator: 'MILLION' } };
  }
  return policy;
}

/** The forwarding part of a RouteAction: one cluster, or weighted clusters (equal clusters merged, zero weights left out). */
function clusterSpecifier(backendRefs: readonly BackendRef[] | undefined, target: RouteTarget, resolve: ClusterResolver): JsonObject {
  if (backendRefs === undefined) return { cluster: target.cluster };
  const weights = new Map<string, number>();
  for (const ref of backendRefs) {
    const weight = ref.weight ?? 1;
    if (weight <= 0) continue;
    const cluster = resolve(ref.name, ref.kind === 'MeshServiceSubset' ? (ref.tags ?? {}) : {});
    weights.set(cluster, (weights.get(cluster) ?? 0) + weight);
  }
  if (weights.size === 0) return { cluster: target.cluster };
  if (weights.size === 1) return { cluster: [...weights.keys()][0] as string };
  return { weighted_clusters: { clusters: [...weights].map(([name, weight]) => ({ name, weight: { value: weight } })) } };
}

function filterOf<T extends HttpRouteFilter['type']>(conf: HttpRouteRuleConf, type: T): Extract<HttpRouteFilter, { type: T }>[] {
  return (conf.filters ?? []).filter((f): f is Extract<HttpRouteFilter, { type: T }> => f.type === type);
}

/** The Envoy routes of one (match, rule conf) pair: one per path variant, or none when a proxyless client could never take it. */
function routesFor(match: HttpRouteMatch, conf: HttpRouteRuleConf, target: RouteTarget, resolve: ClusterResolver): JsonObject[] {
  const redirect = filterOf(conf, 'RequestRedirect')[0]?.requestRedirect;
  if (target.proxyless) {
    // gRPC has no query strings, sends only POST and cannot follow a redirect: such rules never apply to it.
    if ((match.queryParams ?? []).length > 0 || (match.method !== undefined && match.method !== 'POST') || redirect !== undefined) return [];
  }
  const headers = headerMatchers(match, target.proxyless);
  const query = queryMatchers(match);
  return pathVariants(match).map((variant) => {
    const routeMatch: JsonObject = { ...variant.match };
    if (headers.length > 0) routeMatch['headers'] = headers;
    if (query.length > 0) routeMatch['query_parameters'] = query;
    const route: JsonObject = { match: routeMatch };
    if (redirect !== undefined) {
      route['redirect'] = redirectAction(redirect, variant);
    } else {
      const action = clusterSpecifier(conf.backendRefs, target, resolve);
      if (!target.proxyless) {
        const rewrite = filterOf(conf, 'URLRewrite')[0]?.urlRewrite;
        if (rewrite !== undefined) applyRewrite(action, rewrite, variant);
        const mirrors = filterOf(conf, 'RequestMirror').map((f) => mirrorPolicy(f.requestMirror, resolve));
        if (mirrors.length > 0) action['request_mirror_policies'] = mirrors;
      }
      route['route'] = action;
    }
    if (!target.proxyless) {
      const request = filterOf(conf, 'RequestHeaderModifier')[0]?.requestHeaderModifier;
      if (request !== undefined) applyHeaderModifier(route, request, 'request');
      const response = filterOf(conf, 'ResponseHeaderModifier')[0]?.responseHeaderModifier;
      if (response !== undefined) applyHeaderModifier(route, response, 'response');
    }
    return route;
  });
}

function isCatchAll(route: JsonObject): boolean {
  const match = route['match'] as JsonObject;
  return Object.keys(match).length === 1 && match['prefix'] === '/';
}

/**
 * The routes of a destination's virtual host for its merged MeshHTTPRoute rules: every (rule,
 * match) pair becomes routes (see `pathVariants`), ordered by {@link compareMatches} — equally
 * specific matches keep the merged rule order — and a final catch-all to `target.cluster` unless
 * a rule already matches every request. Proxyless clients get only what gRPC honours: path and
 * header matches, clusters and weighted clusters (filters are left out; rules matching a query,
 * a method other than POST, or redirecting are dropped).
 */
export function buildRoutes(rules: readonly HttpRouteRule[], target: RouteTarget, resolve: ClusterResolver): JsonObject[] {
  const pairs = rules.flatMap((rule) => rule.matches.map((match) => ({ match, conf: rule.default })));
  pairs.sort((a, b) => compareMatches(a.match, b.match));
  const routes = pairs.flatMap((p) => routesFor(p.match, p.conf, target, resolve));
  if (!routes.some(isCatchAll)) routes.push({ match: { prefix: '/' }, route: { cluster: target.cluster } });
  return routes;
}
