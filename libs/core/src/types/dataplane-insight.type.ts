import type { ResourceTypeDescriptor } from '../descriptor';
import type { Violation } from '../validation';
import { Violations, childPath, indexPath } from '../validation';
import { ZONE_TO_GLOBAL } from './kds-flags';
import { counter, optionalMap, optionalText, timestamp } from './subscription-fields';

/** The last rejection (NACK) of one xDS type by the proxy. */
export interface DataplaneInsightNack {
  readonly version?: string;
  readonly nonce?: string;
  /** Envoy's error message. */
  readonly errorDetail?: string;
  /** RFC 3339 time of the NACK. */
  readonly time?: string;
}

/** Delivery state of one xDS type (keyed by type URL). */
export interface DataplaneInsightTypeStatus {
  /** Version the proxy last acknowledged. */
  readonly ackedVersion?: string;
  readonly lastNack?: DataplaneInsightNack;
}

/** Counters of one xDS stream, non-negative integers. */
export interface DataplaneInsightTotals {
  readonly responsesSent?: number;
  readonly responsesAcknowledged?: number;
  readonly responsesRejected?: number;
}

/** State of one xDS stream. */
export interface DataplaneInsightSubscriptionStatus {
  /** RFC 3339 time of the last change. */
  readonly lastUpdateTime?: string;
  readonly total?: DataplaneInsightTotals;
  /** Keyed by xDS type URL, e.g. `type.googleapis.com/envoy.config.cluster.v3.Cluster`. */
  readonly perType?: Readonly<Record<string, DataplaneInsightTypeStatus>>;
}

/** One xDS stream between the proxy and a control-plane instance. */
export interface DataplaneInsightSubscription {
  readonly id: string;
  readonly controlPlaneInstanceId: string;
  /** RFC 3339. */
  readonly connectTime: string;
  /** RFC 3339; absent while connected. */
  readonly disconnectTime?: string;
  readonly status?: DataplaneInsightSubscriptionStatus;
}

/** Spec of a `DataplaneInsight`, written by the xDS server for the Dataplane of the same name. */
export interface DataplaneInsightSpec {
  /** Oldest first. */
  readonly subscriptions?: readonly DataplaneInsightSubscription[];
  /** Whether the proxy has a live stream. */
  readonly online?: boolean;
}

function validateTypeStatus(v: Violations, value: unknown, path: string): void {
  const o = v.object(value, path, ['ackedVersion', 'lastNack']);
  if (!o) return;
  optionalText(v, o['ackedVersion'], childPath(path, 'ackedVersion'));
  const nackPath = childPath(path, 'lastNack');
  const nack = v.optionalObject(o['lastNack'], nackPath, ['version', 'nonce', 'errorDetail', 'time']);
  if (!nack) return;
  optionalText(v, nack['version'], childPath(nackPath, 'version'));
  optionalText(v, nack['nonce'], childPath(nackPath, 'nonce'));
  optionalText(v, nack['errorDetail'], childPath(nackPath, 'errorDetail'));
  timestamp(v, nack['time'], childPath(nackPath, 'time'), false);
}

function validateSubscription(v: Violations, value: unknown, path: string): void {
  const o = v.object(value, path, ['id', 'controlPlaneInstanceId', 'connectTime', 'disconnectTime', 'status']);
  if (!o) return;
  v.string(o['id'], childPath(path, 'id'));
  v.string(o['controlPlaneInstanceId'], childPath(path, 'controlPlaneInstanceId'));
  timestamp(v, o['connectTime'], childPath(path, 'connectTime'), true);
  timestamp(v, o['disconnectTime'], childPath(path, 'disconnectTime'), false);
  const statusPath = childPath(path, 'status');
  const status = v.optionalObject(o['status'], statusPath, ['lastUpdateTime', 'total', 'perType']);
  if (!status) return;
  timestamp(v, status['lastUpdateTime'], childPath(statusPath, 'lastUpdateTime'), false);
  const totalPath = childPath(statusPath, 'total');
  const total = v.optionalObject(status['total'], totalPath, ['responsesSent', 'responsesAcknowledged', 'responsesRejected']);
  if (total) {
    for (const key of ['responsesSent', 'responsesAcknowledged', 'responsesRejected']) counter(v, total[key], childPath(totalPath, key));
  }
  optionalMap(v, status['perType'], childPath(statusPath, 'perType'), (item, p) => validateTypeStatus(v, item, p));
}

/** Validates a DataplaneInsight spec (shape only); every violation's field starts with `spec`. */
export function validateDataplaneInsightSpec(spec: unknown): Violation[] {
  const v = new Violations();
  const s = v.object(spec, 'spec', ['subscriptions', 'online']);
  if (s) {
    v.optionalArray(s['subscriptions'], 'spec.subscriptions')?.forEach((item, i) => validateSubscription(v, item, indexPath('spec.subscriptions', i)));
    v.optionalBoolean(s['online'], 'spec.online');
  }
  return v.all;
}

/** `DataplaneInsight`: a mesh type written only by the control plane; synced from zones to global. */
export const DataplaneInsightType: ResourceTypeDescriptor = Object.freeze({
  name: 'DataplaneInsight',
  plural: 'dataplane-insights',
  singular: 'dataplane-insight',
  scope: 'mesh',
  kds: ZONE_TO_GLOBAL,
  isPolicy: false,
  readOnly: true,
  sensitive: false,
  description: "A dataplane's xDS connection history and delivery state; written by the control plane.",
  validate: (spec: unknown) => validateDataplaneInsightSpec(spec),
});
