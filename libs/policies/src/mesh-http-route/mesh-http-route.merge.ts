import type { JsonObject } from '@mycel/core';
import { canonicalJson } from '@mycel/core';
import { mergeAll } from '../framework/merge';
import type { HttpRouteMatch, HttpRouteRule, HttpRouteRuleConf } from './mesh-http-route.type';

/** A match with every default spelled out (a header match without `type` is Exact), so equal matches compare equal. */
export function normalizeMatch(match: HttpRouteMatch): HttpRouteMatch {
  if (match.headers === undefined) return match;
  return { ...match, headers: match.headers.map((h) => ({ ...h, type: h.type ?? 'Exact' })) };
}

/**
 * Merges the `{rules}` confs of several `to[]` entries for one destination, least important
 * first. Rules whose `matches` are equal are one rule: their `default` blocks merge with RFC 7396
 * JSON Merge Patch (so a later `backendRefs` or `filters` list replaces an earlier one). Rules are
 * listed most important conf first, each conf's rules in the order written; the route configurer
 * then orders them by match specificity, keeping this order between equally specific matches.
 */
export function mergeRouteConfs(confs: readonly JsonObject[]): JsonObject {
  const all = confs.map((c) => (c['rules'] ?? []) as readonly HttpRouteRule[]);
  const merged = new Map<string, { matches: readonly HttpRouteMatch[]; defaults: JsonObject[] }>();
  for (const rules of all) {
    for (const rule of rules) {
      const key = canonicalJson(rule.matches);
      let entry = merged.get(key);
      if (entry === undefined) {
        entry = { matches: rule.matches, defaults: [] };
        merged.set(key, entry);
      }
      entry.defaults.push(rule.default as JsonObject);
    }
  }
  const order: string[] = [];
  for (const rules of [...all].reverse()) {
    for (const rule of rules) {
      const key = canonicalJson(rule.matches);
      if (!order.includes(key)) order.push(key);
    }
  }
  const rules: HttpRouteRule[] = order.map((key) => {
    const entry = merged.get(key) as { matches: readonly HttpRouteMatch[]; defaults: JsonObject[] };
    return { matches: JSON.parse(JSON.stringify(entry.matches)) as HttpRouteMatch[], default: mergeAll(entry.defaults) as HttpRouteRuleConf };
  });
  return { rules };
}
