import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';
import type { Meter, ObservableResult } from '@opentelemetry/api';

/** Options of {@link startRuntimeMetrics}. */
export interface RuntimeMetricsOptions {
  /** Sampling resolution of the event-loop delay monitor, in ms (default 10, Node's default). */
  readonly resolutionMs?: number;
}

/** The statistics `mycel_event_loop_delay_seconds` reports, as its `stat` label. */
export const EVENT_LOOP_DELAY_STATS = ['min', 'mean', 'p50', 'p90', 'p99', 'max'] as const;

/** Process runtime gauges; `stop()` ends the monitor. */
export interface RuntimeMetrics {
  stop(): void;
}

/**
 * Registers process runtime gauges on `meter`:
 *
 * - `mycel_event_loop_delay_seconds{stat="min|mean|p50|p90|p99|max"}` — event-loop delay from
 *   `perf_hooks.monitorEventLoopDelay`, over the window since the previous collection (each
 *   collection, i.e. each `/metrics` scrape, starts a new window; a window with no sample reports
 *   nothing). A delay is how late the monitor's timer ran beyond its `resolutionMs` period (the
 *   period itself is subtracted, so an idle loop reads ~0): how long the loop was busy elsewhere.
 * - `mycel_heap_used_bytes` / `mycel_heap_total_bytes` — V8 heap in use / reserved, at collection.
 *
 * The monitor samples every `resolutionMs` (10 ms by default) on a native timer; it costs next to nothing.
 */
export function startRuntimeMetrics(meter: Meter, options: RuntimeMetricsOptions = {}): RuntimeMetrics {
  const resolutionNs = (options.resolutionMs ?? 10) * 1e6;
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionNs / 1e6 });
  histogram.enable();
  const delay = meter.createObservableGauge('mycel.event_loop.delay.seconds', {
    description: 'Event-loop delay (perf_hooks.monitorEventLoopDelay) over the window since the previous collection',
    unit: 's',
  });
  const heapUsed = meter.createObservableGauge('mycel.heap.used.bytes', { description: 'V8 heap in use', unit: 'By' });
  const heapTotal = meter.createObservableGauge('mycel.heap.total.bytes', { description: 'V8 heap reserved', unit: 'By' });
  const observeDelay = (result: ObservableResult): void => {
    if (histogram.count > 0) {
      // The histogram holds nanoseconds.
      const values: Record<(typeof EVENT_LOOP_DELAY_STATS)[number], number> = {
        min: histogram.min,
        mean: histogram.mean,
        p50: histogram.percentile(50),
        p90: histogram.percentile(90),
        p99: histogram.percentile(99),
        max: histogram.max,
      };
      // The monitor records the time between its timer's runs, resolution included: an idle loop
      // reads ~10 ms. Report how late the timer ran, as the metric's name says.
      for (const stat of EVENT_LOOP_DELAY_STATS) result.observe(Math.max(0, values[stat] - resolutionNs) / 1e9, { stat });
    }
    histogram.reset();
  };
  const observeUsed = (result: ObservableResult): void => result.observe(process.memoryUsage().heapUsed);
  const observeTotal = (result: ObservableResult): void => result.observe(process.memoryUsage().heapTotal);
  delay.addCallback(observeDelay);
  heapUsed.addCallback(observeUsed);
  heapTotal.addCallback(observeTotal);
  let stopped = false;
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      delay.removeCallback(observeDelay);
      heapUsed.removeCallback(observeUsed);
      heapTotal.removeCallback(observeTotal);
      histogram.disable();
    },
  };
}
