// Pipeline: rules per dataplane, applying them to generated resources, change impact.
export { registerPolicyTypes, POLICY_PLUGINS } from './framework/registry';
export { applyPolicies, affectedByPolicy } from './framework/pipeline';
export type { DataplaneRules, PolicyTypeRules, PolicyRef, ToRule, FromRule, InvalidPolicy } from './framework/rules';
export { computeRules } from './framework/rules';
export type { InboundRef } from './framework/rule-lookup';
export { toRuleFor, fromRuleFor } from './framework/rule-lookup';
// Building blocks for plugins.
export type { PolicyPlugin, ToEntry } from './framework/plugin';
export type { OutboundTarget, ServiceCluster } from './framework/destinations';
export { ProxyDestinations } from './framework/destinations';
export type {
  TargetRef,
  TargetRefKind,
  MeshTargetRef,
  MeshSubsetTargetRef,
  MeshServiceTargetRef,
  DataplaneTargetRef,
} from './framework/target-ref';
export { TARGET_REF_KINDS, MESH_TARGET_REF, validateTargetRef, targetRefSpecificity, formatTargetRef } from './framework/target-ref';
export type { PolicyOrigin } from './framework/matching';
export { originOf, selectsDataplane, selectsInbound, comparePolicies } from './framework/matching';
export { mergePatch, mergeAll } from './framework/merge';
export { re2Problem } from './framework/re2';
export { POLICY_KDS } from './framework/kds';
// MeshTimeout.
export type { MeshTimeoutSpec, MeshTimeoutConf, MeshTimeoutHttpConf, MeshTimeoutTo, MeshTimeoutFrom, MeshTimeoutRule } from './mesh-timeout/mesh-timeout.type';
export { MeshTimeoutType } from './mesh-timeout/mesh-timeout.type';
// MeshHTTPRoute.
export type {
  MeshHTTPRouteSpec,
  MeshHTTPRouteTo,
  HttpRouteRule,
  HttpRouteRuleConf,
  HttpRouteMatch,
  HttpRouteFilter,
  PathMatch,
  PathMatchType,
  HttpMethod,
  HeaderMatch,
  HeaderMatchType,
  QueryParamMatch,
  QueryParamMatchType,
  BackendRef,
  HeaderModifier,
  HeaderKeyValue,
  PathRewrite,
  RequestRedirect,
  UrlRewrite,
  RequestMirror,
} from './mesh-http-route/mesh-http-route.type';
export { MeshHTTPRouteType } from './mesh-http-route/mesh-http-route.type';
