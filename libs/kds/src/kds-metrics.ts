/** Attributes of one measurement. */
export type KdsMetricAttributes = Record<string, string>;

/**
 * The part of an OpenTelemetry `Meter` KDS uses; an `@opentelemetry/api` Meter satisfies it, so a
 * service passes `metrics.meter('mycel.kds')` and this library needs no OpenTelemetry dependency.
 */
export interface KdsMeter {
  createHistogram(name: string, options?: { description?: string; unit?: string }): { record(value: number, attributes?: KdsMetricAttributes): void };
  createCounter(name: string, options?: { description?: string; unit?: string }): { add(value: number, attributes?: KdsMetricAttributes): void };
}

/** The instruments of one sync component; every method is a no-op without a meter. */
export interface KdsMetrics {
  /** Time to apply one KV entry to the local store, in seconds. */
  applyDuration(seconds: number, attributes: KdsMetricAttributes): void;
  /** Age of a KV entry when applied (now − the NATS server's write time), in seconds. */
  lag(seconds: number, attributes: KdsMetricAttributes): void;
  /** One full resync (`reason`: start, reconnect, store-resync, periodic, error). */
  resync(attributes: KdsMetricAttributes): void;
  /** KV writes by a publisher (`op`: put, delete). */
  written(attributes: KdsMetricAttributes): void;
  /** Local store writes by a consumer (`op`: create, update, delete, unchanged). */
  applied(attributes: KdsMetricAttributes): void;
}

/** Creates the KDS instruments on `meter` (names `mycel.kds.*`), or no-ops when it is undefined. */
export function createKdsMetrics(meter: KdsMeter | undefined): KdsMetrics {
  if (meter === undefined) {
    const noop = (): void => undefined;
    return { applyDuration: noop, lag: noop, resync: noop, written: noop, applied: noop };
  }
  const apply = meter.createHistogram('mycel.kds.apply.duration', { description: 'Time to apply one KDS entry to the local store', unit: 's' });
  const lag = meter.createHistogram('mycel.kds.lag', { description: 'Age of a KDS entry when applied (apply time minus NATS write time)', unit: 's' });
  const resyncs = meter.createCounter('mycel.kds.resyncs', { description: 'Full KDS resyncs of a bucket against a store' });
  const written = meter.createCounter('mycel.kds.writes', { description: 'KV puts and deletes made by a KDS publisher' });
  const applied = meter.createCounter('mycel.kds.applied', { description: 'Store writes made by a KDS consumer' });
  return {
    applyDuration: (s, a) => apply.record(s, a),
    lag: (s, a) => lag.record(Math.max(0, s), a),
    resync: (a) => resyncs.add(1, a),
    written: (a) => written.add(1, a),
    applied: (a) => applied.add(1, a),
  };
}
