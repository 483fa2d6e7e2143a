import type { Snapshot, XdsResource } from '../resource-types';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from './ads-proto';
import { WILDCARD, isWildcardType } from './subscription';
import type { Subscription } from './subscription';
import { versionInfo } from './version-info';
import { XdsStream, resourcesOf } from './xds-stream';
import type { TypeState } from './xds-stream';

/** The client was told the resource does not exist (it is subscribed by name but absent). */
const ABSENT: unique symbol = Symbol('absent');
/** The client may or may not hold the resource: send it, or tell it that it is gone. */
const UNKNOWN: unique symbol = Symbol('unknown');

/** What the server believes the client holds for one resource name. */
export type KnownVersion = string | typeof ABSENT | typeof UNKNOWN;

/** Delta per-type state. */
export interface DeltaTypeState extends TypeState {
  /** Name → what the client holds: the version it was sent (or reported on reconnect), or a marker. */
  readonly known: Map<string, KnownVersion>;
}

/** One delta response before it is committed. */
export interface DeltaPlan {
  readonly resources: readonly XdsResource[];
  readonly removed: readonly string[];
}

/**
 * An incremental (delta) ADS stream (see {@link XdsStream} for ordering, stale nonces and NACKs).
 *
 * - A response carries only resources whose version differs from what the client holds, and
 *   `removed_resources` for resources the client holds that were deleted, and (once) for subscribed
 *   names that do not exist.
 * - The first request of a type may list `initial_resource_versions` (reconnect): resources the
 *   client already has at the current version are not sent again; ones that are gone are removed.
 * - Subscribing by name on a later request always (re)sends the resource, as the spec requires, even
 *   if the client seems to hold it. Unsubscribing needs no response, except for a name also covered by
 *   the wildcard: the client then cannot tell whether to keep it, so it is sent again or removed.
 * - `system_version_info` is {@link versionInfo} of everything of the type the client holds afterwards.
 * - The first response of a wildcard subscription is sent even when empty, so the client can finish
 *   initialising; otherwise an empty response is never sent.
 */
export class DeltaStream extends XdsStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse, DeltaTypeState, DeltaPlan> {
  protected newState(typeUrl: string, subscription: Subscription): DeltaTypeState {
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
    };
  }

  protected applySubscription(state: DeltaTypeState, request: DeltaDiscoveryRequest, first: boolean): void {
    const subscribe = request.resource_names_subscribe ?? [];
    const unsubscribe = request.resource_names_unsubscribe ?? [];
    const { subscription, known } = state;
    subscription.update(subscribe, unsubscribe);
    const wildcardName = (name: string): boolean => name === WILDCARD && isWildcardType(state.typeUrl);
    if (first) {
      // Versions the client holds from a previous stream; only meaningful on the first request.
      for (const [name, version] of Object.entries(request.initial_resource_versions ?? {})) known.set(name, version);
      return;
    }
    for (const name of subscribe) {
      if (!wildcardName(name)) known.delete(name);
    }
    for (const name of unsubscribe) {
      if (wildcardName(name)) continue;
      if (subscription.covers(name)) known.set(name, UNKNOWN);
      else known.delete(name);
    }
    for (const name of known.keys()) {
      if (!subscription.covers(name)) known.delete(name);
    }
  }

  protected plan(state: DeltaTypeState, snapshot: Snapshot): DeltaPlan | undefined {
    const available = resourcesOf(snapshot, state.typeUrl) ?? new Map<string, XdsResource>();
    const { subscription, known } = state;
    const resources: XdsResource[] = [];
    const removed: string[] = [];
    const consider = (resource: XdsResource): void => {
      if (known.get(resource.name) !== resource.version) resources.push(resource);
    };
    if (subscription.wildcard) {
      for (const resource of available.values()) consider(resource);
    } else {
      for (const name of subscription.names) {
        const resource = available.get(name);
        if (resource) consider(resource);
      }
    }
    for (const [name, version] of known) {
      if (version !== ABSENT && !(available.has(name) && subscription.covers(name))) removed.push(name);
    }
    for (const name of subscription.names) {
      if (!available.has(name) && !known.has(name)) removed.push(name);
    }
    const firstWildcard = !state.responded && subscription.wildcard;
    if (resources.length === 0 && removed.length === 0 && !firstWildcard) return undefined;
    resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    removed.sort();
    return { resources, removed };
  }

  protected commit(state: DeltaTypeState, plan: DeltaPlan, nonce: string): { response: DeltaDiscoveryResponse; version: string } {
    const { known, subscription } = state;
    for (const r of plan.resources) known.set(r.name, r.version);
    for (const name of plan.removed) {
      if (subscription.names.has(name)) known.set(name, ABSENT);
      else known.delete(name);
    }
    const held: [string, string][] = [];
    for (const [name, version] of known) if (typeof version === 'string') held.push([name, version]);
    const version = versionInfo(held);
    return {
      version,
      response: {
        system_version_info: version,
        resources: plan.resources.map((r) => ({ name: r.name, version: r.version, resource: r.any })),
        removed_resources: plan.removed,
        type_url: state.typeUrl,
        nonce,
      },
    };
  }
}
