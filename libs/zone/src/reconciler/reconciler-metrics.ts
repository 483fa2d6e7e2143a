import { createNoopMeter } from '@opentelemetry/api';
import type { Counter, Histogram, Meter } from '@opentelemetry/api';

/** Outcome of one dataplane's generation. */
export type GenerationOutcome = 'ok' | 'error';

/**
 * The reconciler's instruments (Prometheus names in brackets):
 * - `mycel.xds.generation.duration.seconds` [`mycel_xds_generation_duration_seconds`]: one dataplane's
 *   generation, policies and encoding included, by `outcome`;
 * - `mycel.xds.generations` [`mycel_xds_generations_total`]: dataplanes regenerated, by `outcome`;
 * - `mycel.xds.snapshot_pushes` [`mycel_xds_snapshot_pushes_total`]: new snapshots that changed at
 *   least one type (each wakes the node's streams);
 * - `mycel.xds.reconciler.changes` [`mycel_xds_reconciler_changes_total`]: store changes folded
 *   into a finished batch (counted when the batch is done, so it says the batch was processed).
 */
export class ReconcilerMetrics {
  private readonly duration: Histogram;
  private readonly generations: Counter;
  private readonly pushes: Counter;
  private readonly changes: Counter;

  constructor(meter: Meter = createNoopMeter()) {
    // Named and unit-ed for Prometheus (the only exporter), like the API's request duration.
    this.duration = meter.createHistogram('mycel.xds.generation.duration.seconds', {
      description: "Time to generate, apply policies to and encode one dataplane's xDS snapshot.",
      unit: 'seconds',
      advice: { explicitBucketBoundaries: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] },
    });
    this.generations = meter.createCounter('mycel.xds.generations', { description: 'Dataplane snapshots generated, by outcome.' });
    this.pushes = meter.createCounter('mycel.xds.snapshot_pushes', { description: 'Snapshots that changed a node configuration and woke its ADS streams.' });
    this.changes = meter.createCounter('mycel.xds.reconciler.changes', { description: 'Store changes the xDS reconciler processed (counted when their batch finished).' });
  }

  /** One dataplane generation took `seconds`. */
  generated(outcome: GenerationOutcome, seconds: number): void {
    this.duration.record(seconds, { outcome });
    this.generations.add(1, { outcome });
  }

  /** A snapshot that changed something was set. */
  pushed(): void {
    this.pushes.add(1);
  }

  /** A batch covering `count` store changes finished. */
  batchDone(count: number): void {
    if (count > 0) this.changes.add(count);
  }
}
