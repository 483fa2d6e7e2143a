import { Labels } from '@mycel/core';
import type { DataplaneInsightSpec, DataplaneSpec, Resource, ZoneInsightSpec } from '@mycel/core';

/** Whether a proxy (or a zone) has a live connection to its control plane. */
export type ConnectionStatus = 'online' | 'offline';

/** Every `key=value` tag of a dataplane's inbounds and gateway, deduplicated and sorted. */
export function dataplaneTags(dataplane: Resource): string[] {
  const tags = new Set<string>();
  for (const t of tagSets(dataplane)) for (const [k, v] of Object.entries(t)) tags.add(`${k}=${v}`);
  return [...tags].sort();
}

/** The services (values of the `mycel.io/service` tag) a dataplane serves, deduplicated and sorted. */
export function dataplaneServices(dataplane: Resource): string[] {
  const services = new Set<string>();
  for (const t of tagSets(dataplane)) {
    const s = t[Labels.service];
    if (typeof s === 'string') services.add(s);
  }
  return [...services].sort();
}

function tagSets(dataplane: Resource): Array<Readonly<Record<string, string>>> {
  const networking = (dataplane.spec as Partial<DataplaneSpec> | undefined)?.networking;
  if (!networking) return [];
  const sets: Array<Readonly<Record<string, string>>> = [];
  for (const inbound of networking.inbound ?? []) if (inbound.tags) sets.push(inbound.tags);
  if (networking.gateway?.tags) sets.push(networking.gateway.tags);
  return sets;
}

/**
 * A dataplane's status from its DataplaneInsight: the insight's `online` flag, or else whether its
 * latest subscription is still open. No insight means the proxy never connected: offline.
 */
export function dataplaneStatus(insight: Resource | undefined): ConnectionStatus {
  if (insight === undefined) return 'offline';
  const spec = insight.spec as DataplaneInsightSpec | undefined;
  if (typeof spec?.online === 'boolean') return spec.online ? 'online' : 'offline';
  return openSubscription(spec?.subscriptions) ? 'online' : 'offline';
}

/** A zone's status from its ZoneInsight: online while its latest subscription is open; no insight: offline. */
export function zoneStatus(insight: Resource | undefined): ConnectionStatus {
  if (insight === undefined) return 'offline';
  return openSubscription((insight.spec as ZoneInsightSpec | undefined)?.subscriptions) ? 'online' : 'offline';
}

interface SubscriptionTimes {
  readonly connectTime: string;
  readonly disconnectTime?: string;
  readonly status?: { readonly lastUpdateTime?: string };
}

function openSubscription(subscriptions: readonly SubscriptionTimes[] | undefined): boolean {
  const last = subscriptions?.[subscriptions.length - 1];
  return last !== undefined && last.disconnectTime === undefined;
}

/** RFC 3339 time of the latest connection recorded in an insight (any insight type), if any. */
export function lastConnectTime(insight: Resource | undefined): string | undefined {
  return latest(subscriptionsOf(insight).map((s) => s.connectTime));
}

/** RFC 3339 time of the latest configuration update recorded in an insight, if any. */
export function lastUpdateTime(insight: Resource | undefined): string | undefined {
  return latest(subscriptionsOf(insight).map((s) => s.status?.lastUpdateTime));
}

/** xDS responses sent and rejected (NACKed) over every subscription of a DataplaneInsight. */
export function dataplaneInsightTotals(insight: Resource | undefined): { sent: number; rejected: number } {
  let sent = 0;
  let rejected = 0;
  for (const s of (insight?.spec as DataplaneInsightSpec | undefined)?.subscriptions ?? []) {
    sent += s.status?.total?.responsesSent ?? 0;
    rejected += s.status?.total?.responsesRejected ?? 0;
  }
  return { sent, rejected };
}

function subscriptionsOf(insight: Resource | undefined): readonly SubscriptionTimes[] {
  const subs = (insight?.spec as { subscriptions?: unknown } | undefined)?.subscriptions;
  return Array.isArray(subs) ? (subs as SubscriptionTimes[]) : [];
}

function latest(times: ReadonlyArray<string | undefined>): string | undefined {
  let best: string | undefined;
  let bestMs = -Infinity;
  for (const t of times) {
    if (t === undefined) continue;
    const ms = Date.parse(t);
    if (!Number.isNaN(ms) && ms > bestMs) {
      best = t;
      bestMs = ms;
    }
  }
  return best;
}
