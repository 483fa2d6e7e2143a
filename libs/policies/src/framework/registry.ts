import type { TypeRegistry } from '@mycel/core';
import { MeshHTTPRoutePlugin } from '../mesh-http-route/mesh-http-route.plugin';
import { MeshTimeoutPlugin } from '../mesh-timeout/mesh-timeout.plugin';
import type { PolicyPlugin } from './plugin';

/**
 * Every policy plugin, in the order `applyPolicies` runs them: routing first (MeshHTTPRoute
 * rewrites route configurations and adds clusters), then the plugins that tune what routing
 * produced (MeshTimeout sets timeouts on every route and cluster, including the new ones).
 */
export const POLICY_PLUGINS: readonly PolicyPlugin[] = Object.freeze([MeshHTTPRoutePlugin, MeshTimeoutPlugin]);

/** Registers the resource type of every plugin of {@link POLICY_PLUGINS}; calling it again on the same registry is a no-op. */
export function registerPolicyTypes(registry: TypeRegistry): void {
  for (const plugin of POLICY_PLUGINS) registry.register(plugin.descriptor);
}
