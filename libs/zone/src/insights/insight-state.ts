import type { DataplaneInsightNack, DataplaneInsightSpec, DataplaneInsightSubscription, DataplaneInsightTypeStatus } from '@mycel/core';

/** Most subscriptions one DataplaneInsight keeps; the oldest closed ones go first. */
export const MAX_SUBSCRIPTIONS = 10;

/** What this control-plane instance knows of one of its own xDS streams. */
export class SubscriptionState {
  disconnectTime: string | undefined;
  lastUpdateTime: string | undefined;
  responsesSent = 0;
  responsesAcknowledged = 0;
  responsesRejected = 0;
  private readonly perType = new Map<string, { ackedVersion?: string; lastNack?: DataplaneInsightNack }>();

  constructor(
    readonly id: string,
    readonly controlPlaneInstanceId: string,
    readonly connectTime: string,
  ) {}

  /** A response was sent at `time`. */
  sent(time: string): void {
    this.responsesSent++;
    this.lastUpdateTime = time;
  }

  /** `version` of `typeUrl` was ACKed at `time`. */
  acked(typeUrl: string, version: string, time: string): void {
    this.responsesAcknowledged++;
    this.typeStatus(typeUrl).ackedVersion = version;
    this.lastUpdateTime = time;
  }

  /** `version` of `typeUrl` (response `nonce`) was NACKed at `time` with `errorDetail`. */
  nacked(typeUrl: string, version: string, nonce: string, errorDetail: string, time: string): void {
    this.responsesRejected++;
    this.typeStatus(typeUrl).lastNack = { version, nonce, errorDetail, time };
    this.lastUpdateTime = time;
  }

  /** The stream ended at `time`. */
  closed(time: string): void {
    this.disconnectTime = time;
    this.lastUpdateTime = time;
  }

  /** The subscription as DataplaneInsight stores it: only fields with values, type URLs sorted. */
  toSubscription(): DataplaneInsightSubscription {
    const perType: Record<string, DataplaneInsightTypeStatus> = {};
    for (const typeUrl of [...this.perType.keys()].sort()) {
      const status = this.perType.get(typeUrl) ?? {};
      perType[typeUrl] = {
        ...(status.ackedVersion !== undefined ? { ackedVersion: status.ackedVersion } : {}),
        ...(status.lastNack !== undefined ? { lastNack: status.lastNack } : {}),
      };
    }
    return {
      id: this.id,
      controlPlaneInstanceId: this.controlPlaneInstanceId,
      connectTime: this.connectTime,
      ...(this.disconnectTime !== undefined ? { disconnectTime: this.disconnectTime } : {}),
      status: {
        ...(this.lastUpdateTime !== undefined ? { lastUpdateTime: this.lastUpdateTime } : {}),
        total: { responsesSent: this.responsesSent, responsesAcknowledged: this.responsesAcknowledged, responsesRejected: this.responsesRejected },
        perType,
      },
    };
  }

  private typeStatus(typeUrl: string): { ackedVersion?: string; lastNack?: DataplaneInsightNack } {
    let status = this.perType.get(typeUrl);
    if (status === undefined) {
      status = {};
      this.perType.set(typeUrl, status);
    }
    return status;
  }
}

/**
 * The spec that results from writing `ours` over `stored`: each of ours replaces the stored
 * subscription with the same id and instance (or is added), the others are kept, the list is
 * ordered by connect time (oldest first, stable), trimmed to `max` by dropping the oldest closed
 * subscriptions, and `online` says whether any subscription is still open.
 */
export function mergeSubscriptions(
  stored: readonly DataplaneInsightSubscription[],
  ours: readonly DataplaneInsightSubscription[],
  max = MAX_SUBSCRIPTIONS,
): DataplaneInsightSpec {
  const key = (s: DataplaneInsightSubscription): string => `${s.controlPlaneInstanceId}\n${s.id}`;
  const replacing = new Map(ours.map((s) => [key(s), s]));
  const merged: DataplaneInsightSubscription[] = [];
  for (const s of stored) {
    const k = key(s);
    const mine = replacing.get(k);
    merged.push(mine ?? s);
    replacing.delete(k);
  }
  merged.push(...replacing.values());
  const ordered = merged.map((s, i) => ({ s, i })).sort((a, b) => compareTime(a.s.connectTime, b.s.connectTime) || a.i - b.i).map(({ s }) => s);
  let excess = ordered.length - max;
  const kept = ordered.filter((s) => {
    if (excess > 0 && s.disconnectTime !== undefined) {
      excess--;
      return false;
    }
    return true;
  });
  return { subscriptions: kept, online: kept.some((s) => s.disconnectTime === undefined) };
}

/**
 * `spec` with every open subscription that `isStale` selects closed at `time`; undefined when
 * none was open.
 */
export function closeSubscriptions(spec: DataplaneInsightSpec, isStale: (s: DataplaneInsightSubscription) => boolean, time: string): DataplaneInsightSpec | undefined {
  let changed = false;
  const subscriptions = (spec.subscriptions ?? []).map((s) => {
    if (s.disconnectTime !== undefined || !isStale(s)) return s;
    changed = true;
    return { ...s, disconnectTime: time };
  });
  if (!changed) return undefined;
  return { subscriptions, online: subscriptions.some((s) => s.disconnectTime === undefined) };
}

function compareTime(a: string, b: string): number {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return a < b ? -1 : a > b ? 1 : 0;
  return ta - tb;
}
