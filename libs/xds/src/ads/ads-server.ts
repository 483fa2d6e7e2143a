import { status } from '@grpc/grpc-js';
import type { Server, ServerDuplexStream } from '@grpc/grpc-js';
import type { Meter } from '@opentelemetry/api';
import { silentLogger } from '@mycel/telemetry';
import type { Logger } from '@mycel/telemetry';
import type { SnapshotCache } from '../snapshot-cache';
import { AdsConnection } from './ads-connection';
import type { AdsAuthorizer, AdsCallbacks, AdsConnectionHandle, AdsConnectionHost, AdsStreamDriver } from './ads-connection';
import { AdsMetrics } from './ads-metrics';
import type { AdsProtocol } from './ads-metrics';
import { adsServiceDefinition } from './ads-proto';
import type { AdsNode, DeltaDiscoveryRequest, DeltaDiscoveryResponse, DiscoveryRequest, DiscoveryResponse } from './ads-proto';
import { DeltaStream } from './delta-stream';
import { SotwStream } from './sotw-stream';
import type { XdsStreamContext } from './xds-stream';

/** Options of {@link AdsServer}. */
export interface AdsServerOptions {
  /** Where node snapshots come from. */
  readonly cache: SnapshotCache;
  /** Stream admission; by default every node is accepted and served the snapshot keyed by its `node.id`. */
  readonly authorize?: AdsAuthorizer;
  readonly callbacks?: AdsCallbacks;
  /** Meter for the `mycel.xds.*` instruments; none by default. */
  readonly meter?: Meter;
  readonly logger?: Logger;
}

const acceptNodeId: AdsAuthorizer = (node: AdsNode) => Promise.resolve({ nodeId: node.id ?? '' });

/**
 * The Aggregated Discovery Service (`envoy.service.discovery.v3.AggregatedDiscoveryService`): both
 * `StreamAggregatedResources` (State of the World) and `DeltaAggregatedResources` (incremental),
 * served from a {@link SnapshotCache}. It registers on a `grpc.Server` owned by the caller so the zone
 * control plane can share one port with other services; {@link close} ends every stream it serves.
 */
export class AdsServer {
  private readonly host: AdsConnectionHost;
  private readonly connections = new Set<AdsConnectionHandle>();
  private streamCounter = 0;
  private closing = false;
  private registered = false;

  constructor(options: AdsServerOptions) {
    const connections = this.connections;
    this.host = {
      cache: options.cache,
      authorize: options.authorize ?? acceptNodeId,
      callbacks: options.callbacks ?? {},
      metrics: new AdsMetrics(options.meter),
      logger: options.logger ?? silentLogger,
      released: (connection) => connections.delete(connection),
    };
  }

  /** Adds the ADS service to `server` (before it starts). Throws if called twice. */
  register(server: Server): void {
    if (this.registered) throw new Error('AdsServer is already registered on a gRPC server');
    this.registered = true;
    server.addService(adsServiceDefinition(), {
      StreamAggregatedResources: (call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) =>
        this.accept(call, 'sotw', (context) => new SotwStream(context)),
      DeltaAggregatedResources: (call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) =>
        this.accept(call, 'delta', (context) => new DeltaStream(context)),
    });
  }

  /**
   * Ends every open stream with UNAVAILABLE (clients reconnect elsewhere or later) and refuses new
   * ones the same way. Does not shut the gRPC server down: its owner does. Idempotent.
   */
  close(): void {
    this.closing = true;
    for (const connection of [...this.connections]) connection.fail(status.UNAVAILABLE, 'ADS server is shutting down');
  }

  /** Number of open streams (authorized or still authorizing). */
  get streamCount(): number {
    return this.connections.size;
  }

  private accept<Req extends { readonly node?: AdsNode | null }, Res>(
    call: ServerDuplexStream<Req, Res>,
    protocol: AdsProtocol,
    makeDriver: (context: XdsStreamContext<Res>) => AdsStreamDriver<Req>,
  ): void {
    const connection = new AdsConnection(this.host, call, protocol, String(++this.streamCounter), makeDriver);
    if (this.closing) {
      connection.fail(status.UNAVAILABLE, 'ADS server is shutting down');
      return;
    }
    this.connections.add(connection);
    connection.start();
  }
}
