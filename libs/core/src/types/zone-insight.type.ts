import type { ResourceTypeDescriptor } from '../descriptor';
import type { Violation } from '../validation';
import { Violations, childPath, indexPath } from '../validation';
import { ZONE_TO_GLOBAL } from './kds-flags';
import { counter, optionalMap, optionalText, timestamp } from './subscription-fields';

/** Counters of one KDS type, non-negative integers. */
export interface ZoneInsightTypeStat {
  readonly responsesSent?: number;
  readonly responsesAcknowledged?: number;
}

/** State of one KDS stream. */
export interface ZoneInsightSubscriptionStatus {
  /** RFC 3339 time of the last change. */
  readonly lastUpdateTime?: string;
  /** Keyed by resource type name, e.g. `Dataplane`. */
  readonly stat?: Readonly<Record<string, ZoneInsightTypeStat>>;
}

/** One KDS stream between a zone control plane and a global instance. */
export interface ZoneInsightSubscription {
  readonly id: string;
  readonly globalInstanceId: string;
  /** RFC 3339. */
  readonly connectTime: string;
  /** RFC 3339; absent while connected. */
  readonly disconnectTime?: string;
  /** The zone control plane's configuration as it reported it (JSON text). */
  readonly config?: string;
  readonly status?: ZoneInsightSubscriptionStatus;
}

/** Spec of a `ZoneInsight`, written by the control plane for the Zone of the same name. */
export interface ZoneInsightSpec {
  /** Oldest first. */
  readonly subscriptions?: readonly ZoneInsightSubscription[];
}

function validateSubscription(v: Violations, value: unknown, path: string): void {
  const o = v.object(value, path, ['id', 'globalInstanceId', 'connectTime', 'disconnectTime', 'config', 'status']);
  if (!o) return;
  v.string(o['id'], childPath(path, 'id'));
  v.string(o['globalInstanceId'], childPath(path, 'globalInstanceId'));
  timestamp(v, o['connectTime'], childPath(path, 'connectTime'), true);
  timestamp(v, o['disconnectTime'], childPath(path, 'disconnectTime'), false);
  optionalText(v, o['config'], childPath(path, 'config'));
  const statusPath = childPath(path, 'status');
  const status = v.optionalObject(o['status'], statusPath, ['lastUpdateTime', 'stat']);
  if (!status) return;
  timestamp(v, status['lastUpdateTime'], childPath(statusPath, 'lastUpdateTime'), false);
  optionalMap(v, status['stat'], childPath(statusPath, 'stat'), (item, p) => {
    const stat = v.object(item, p, ['responsesSent', 'responsesAcknowledged']);
    if (!stat) return;
    counter(v, stat['responsesSent'], childPath(p, 'responsesSent'));
    counter(v, stat['responsesAcknowledged'], childPath(p, 'responsesAcknowledged'));
  });
}

/** Validates a ZoneInsight spec (shape only); every violation's field starts with `spec`. */
export function validateZoneInsightSpec(spec: unknown): Violation[] {
  const v = new Violations();
  const s = v.object(spec, 'spec', ['subscriptions']);
  if (s) v.optionalArray(s['subscriptions'], 'spec.subscriptions')?.forEach((item, i) => validateSubscription(v, item, indexPath('spec.subscriptions', i)));
  return v.all;
}

/** `ZoneInsight`: a global type written only by the control plane about each zone's KDS streams. */
export const ZoneInsightType: ResourceTypeDescriptor = Object.freeze({
  name: 'ZoneInsight',
  plural: 'zone-insights',
  singular: 'zone-insight',
  scope: 'global',
  kds: ZONE_TO_GLOBAL,
  isPolicy: false,
  readOnly: true,
  sensitive: false,
  description: "A zone's KDS connection history and sync counters; written by the control plane.",
  validate: (spec: unknown) => validateZoneInsightSpec(spec),
});
