import type { ResourceTypeDescriptor } from '@mycel/core';
import { POLICY_KDS } from '../framework/kds';
import type { MeshServiceTargetRef, TargetRef } from '../framework/target-ref';
import { validateMeshHTTPRouteSpec } from './mesh-http-route.validator';

/** How a path is matched: exactly, by path segments (`/a` matches `/a` and `/a/b`, not `/ab`), or by an RE2 regex over the whole path. */
export type PathMatchType = 'Exact' | 'PathPrefix' | 'RegularExpression';
/** HTTP methods a route may match. */
export type HttpMethod = 'CONNECT' | 'DELETE' | 'GET' | 'HEAD' | 'OPTIONS' | 'PATCH' | 'POST' | 'PUT' | 'TRACE';
/** How a header is matched; `Present` and `Absent` take no value. */
export type HeaderMatchType = 'Exact' | 'Present' | 'RegularExpression' | 'Absent' | 'Prefix';
/** How a query parameter is matched. */
export type QueryParamMatchType = 'Exact' | 'RegularExpression';

/** A condition on the request path. */
export interface PathMatch {
  readonly type: PathMatchType;
  /** An absolute path for Exact and PathPrefix; an RE2 regex for RegularExpression. */
  readonly value: string;
}

/** A condition on one request header (names compare case-insensitively). */
export interface HeaderMatch {
  /** Exact when absent. */
  readonly type?: HeaderMatchType;
  /** An HTTP header name (a token; no pseudo-headers — match the method with `method`). */
  readonly name: string;
  /** Required except for Present and Absent, where it must be absent. */
  readonly value?: string;
}

/** A condition on one query parameter (Envoy only: gRPC requests have no query string). */
export interface QueryParamMatch {
  readonly type: QueryParamMatchType;
  readonly name: string;
  readonly value: string;
}

/** One way a request can match a rule; every condition given must hold. An empty match matches every request. */
export interface HttpRouteMatch {
  readonly path?: PathMatch;
  readonly method?: HttpMethod;
  readonly headers?: readonly HeaderMatch[];
  readonly queryParams?: readonly QueryParamMatch[];
}

/** A destination of matched requests: a whole service, or the endpoints of a service carrying `tags`. */
export interface BackendRef {
  readonly kind: 'MeshService' | 'MeshServiceSubset';
  /** The service (value of `mycel.io/service`). */
  readonly name: string;
  /** Required for MeshServiceSubset (and only there): at least one tag other than `mycel.io/service`/`mycel.io/protocol`. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Share of requests, 0..1,000,000; 1 when absent. 0 keeps a backend listed without traffic. */
  readonly weight?: number;
}

/** A header name and the value to set or add. */
export interface HeaderKeyValue {
  readonly name: string;
  readonly value: string;
}

/** Header edits: `set` replaces, `add` appends, `remove` deletes; each name at most once per list. */
export interface HeaderModifier {
  readonly set?: readonly HeaderKeyValue[];
  readonly add?: readonly HeaderKeyValue[];
  readonly remove?: readonly string[];
}

/** How a redirect or rewrite changes the path: replace it whole, or replace the matched PathPrefix. */
export interface PathRewrite {
  readonly type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  /** The new path, for ReplaceFullPath. */
  readonly replaceFullPath?: string;
  /** What replaces the matched PathPrefix, for ReplacePrefixMatch (every match of the rule must be a PathPrefix). */
  readonly replacePrefixMatch?: string;
}

/** Answer with a redirect instead of forwarding. */
export interface RequestRedirect {
  readonly scheme?: 'http' | 'https';
  readonly hostname?: string;
  readonly path?: PathRewrite;
  readonly port?: number;
  /** 301, 302 (when absent), 303, 307 or 308. */
  readonly statusCode?: 301 | 302 | 303 | 307 | 308;
}

/** Rewrite the request before forwarding it. */
export interface UrlRewrite {
  readonly hostname?: string;
  readonly path?: PathRewrite;
}

/** Copy requests to another backend, fire and forget. */
export interface RequestMirror {
  readonly backendRef: Omit<BackendRef, 'weight'>;
  /** Percentage of requests mirrored, 0..100 (a number, or a decimal string as in Kuma); 100 when absent. */
  readonly percentage?: number | string;
}

/** One filter; the field named after its type (lowerCamelCase) holds its configuration. */
export type HttpRouteFilter =
  | { readonly type: 'RequestHeaderModifier'; readonly requestHeaderModifier: HeaderModifier }
  | { readonly type: 'ResponseHeaderModifier'; readonly responseHeaderModifier: HeaderModifier }
  | { readonly type: 'RequestRedirect'; readonly requestRedirect: RequestRedirect }
  | { readonly type: 'URLRewrite'; readonly urlRewrite: UrlRewrite }
  | { readonly type: 'RequestMirror'; readonly requestMirror: RequestMirror };

/** What a rule does; rules of several policies with equal `matches` merge these with JSON Merge Patch (lists are replaced). */
export interface HttpRouteRuleConf {
  readonly filters?: readonly HttpRouteFilter[];
  /** Where requests go; the destination of the `to[]` entry (the outbound's own cluster) when absent. */
  readonly backendRefs?: readonly BackendRef[];
}

/** Requests matching any of `matches` get `default`. */
export interface HttpRouteRule {
  /** At least one; a request matching any of them takes this rule. */
  readonly matches: readonly HttpRouteMatch[];
  readonly default: HttpRouteRuleConf;
}

/** Routing of the requests the selected proxies send to one service. */
export interface MeshHTTPRouteTo {
  readonly targetRef: MeshServiceTargetRef;
  readonly rules: readonly HttpRouteRule[];
}

/** Spec of a `MeshHTTPRoute`. */
export interface MeshHTTPRouteSpec {
  /** The proxies it applies to; `{kind: Mesh}` when absent. Kinds: Mesh, MeshSubset, MeshService, Dataplane. */
  readonly targetRef?: TargetRef;
  /** At least one entry. */
  readonly to: readonly MeshHTTPRouteTo[];
}

/** `MeshHTTPRoute`: HTTP and gRPC request routing — matches on path, method, headers and query, weighted backends, header edits, redirects, rewrites, mirrors. */
export const MeshHTTPRouteType: ResourceTypeDescriptor = Object.freeze({
  name: 'MeshHTTPRoute',
  plural: 'meshhttproutes',
  singular: 'meshhttproute',
  scope: 'mesh',
  kds: POLICY_KDS,
  isPolicy: true,
  readOnly: false,
  sensitive: false,
  description: 'Routes HTTP and gRPC requests to a service by path, method, headers and query to weighted backends, with header edits, redirects, rewrites and mirrors.',
  validate: (spec: unknown) => validateMeshHTTPRouteSpec(spec),
});
