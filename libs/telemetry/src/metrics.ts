import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { startRuntimeMetrics } from './runtime-metrics';
import type { RuntimeMetrics } from './runtime-metrics';

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** `service.name` resource attribute, e.g. `zone-cp`. */
  readonly serviceName: string;
  /** `service.instance.id` resource attribute. */
  readonly instanceId: string;
  /**
   * Export the process runtime gauges of {@link startRuntimeMetrics} (event-loop delay, V8 heap)
   * under the meter `mycel.runtime`; default true.
   */
  readonly runtimeMetrics?: boolean;
}

/**
 * A process's OpenTelemetry metrics: a meter provider whose only reader is a Prometheus exporter
 * served by the owner's HTTP server (no extra port is opened). Owned by the service; `shutdown()` stops it.
 */
export class Metrics {
  private readonly exporter: PrometheusExporter;
  private readonly provider: MeterProvider;
  private readonly runtime: RuntimeMetrics | undefined;

  constructor(options: MetricsOptions) {
    this.exporter = new PrometheusExporter({ preventServerStart: true });
    this.provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': options.serviceName, 'service.instance.id': options.instanceId }),
      readers: [this.exporter],
    });
    this.runtime = options.runtimeMetrics === false ? undefined : startRuntimeMetrics(this.provider.getMeter('mycel.runtime'));
  }

  /** A meter for one component (e.g. `mycel.api`). */
  meter(name: string): Meter {
    return this.provider.getMeter(name);
  }

  /** Writes the Prometheus text exposition of every metric to `res`. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.exporter.getMetricsRequestHandler(req, res);
  }

  /** Flushes and stops the provider. Idempotent. */
  async shutdown(): Promise<void> {
    this.runtime?.stop();
    await this.provider.shutdown().catch(() => {
      // A second shutdown rejects; the provider is stopped either way.
    });
  }
}
