import type { Snapshot, XdsResource } from '../resource-types';
import type { DiscoveryRequest, DiscoveryResponse } from './ads-proto';
import { isWildcardType } from './subscription';
import type { Subscription } from './subscription';
import { versionInfo } from './version-info';
import { XdsStream, resourcesOf } from './xds-stream';
import type { TypeState } from './xds-stream';

/** SotW per-type state. */
export interface SotwTypeState extends TypeState {
  /**
   * Name → version of what the client was last sent and is still subscribed to. For Listener and
   * Cluster this is exactly the last response; for the other types it accumulates, because a SotW
   * response for them cannot delete anything.
   */
  readonly known: Map<string, string>;
  /** Listener/Cluster: every response is the complete set, and a resource missing from it is deleted. */
  readonly fullState: boolean;
}

/**
 * A State-of-the-World ADS stream (see {@link XdsStream} for ordering, stale nonces and NACKs).
 *
 * Each response of a type carries every subscribed resource of that type that exists (for Listener
 * and Cluster also a wildcard's full set), and `version_info` is {@link versionInfo} of the
 * (name, version) pairs it carries. A type is sent when it was requested and never answered on this
 * stream (so a new stream always receives everything), when a subscribed resource is new or has a
 * different version than the one the client was sent, or — for Listener and Cluster — when a resource
 * it was sent is gone. Unsubscribing forgets what was sent, so a re-subscribed resource is re-sent.
 */
export class SotwStream extends XdsStream<DiscoveryRequest, DiscoveryResponse, SotwTypeState, XdsResource[]> {
  protected newState(typeUrl: string, subscription: Subscription): SotwTypeState {
    return {
      typeUrl,
      subscription,
      requested: false,
      responded: false,
      awaiting: false,
      lastNonce: undefined,
      lastVersion: undefined,
      ackedVersion: undefined,
      known: new Map(),
      fullState: isWildcardType(typeUrl),
    };
  }

  protected applySubscription(state: SotwTypeState, request: DiscoveryRequest): void {
    state.subscription.replace(request.resource_names ?? []);
    for (const name of state.known.keys()) {
      if (!state.subscription.covers(name)) state.known.delete(name);
    }
  }

  protected plan(state: SotwTypeState, snapshot: Snapshot): XdsResource[] | undefined {
    const available = resourcesOf(snapshot, state.typeUrl);
    const selected: XdsResource[] = [];
    if (available) {
      if (state.subscription.wildcard) {
        selected.push(...available.values());
      } else {
        for (const name of state.subscription.names) {
          const resource = available.get(name);
          if (resource) selected.push(resource);
        }
      }
    }
    // Snapshot maps are filled in name order, so this is usually sorted already.
    if (!isSortedByName(selected)) selected.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (!state.responded) return selected;
    const changed = selected.some((r) => state.known.get(r.name) !== r.version);
    // Every selected resource is known at its version here, so a larger known set means a deletion.
    const removed = state.fullState && state.known.size > selected.length;
    return changed || removed ? selected : undefined;
  }

  protected commit(state: SotwTypeState, selected: XdsResource[], nonce: string): { response: DiscoveryResponse; version: string } {
    const version = versionInfo(selected.map((r) => [r.name, r.version] as const));
    if (state.fullState) state.known.clear();
    for (const r of selected) state.known.set(r.name, r.version);
    return {
      version,
      response: { version_info: version, resources: selected.map((r) => r.any), type_url: state.typeUrl, nonce },
    };
  }
}

function isSortedByName(resources: readonly XdsResource[]): boolean {
  for (let i = 1; i < resources.length; i++) if ((resources[i - 1] as XdsResource).name > (resources[i] as XdsResource).name) return false;
  return true;
}
