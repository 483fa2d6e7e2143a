import { createNoopMeter } from '@opentelemetry/api';
import type { Counter, Meter, UpDownCounter } from '@opentelemetry/api';

/** Which ADS RPC a stream uses. */
export type AdsProtocol = 'sotw' | 'delta';

/**
 * The ADS server's instruments. Attributes: `xds.protocol` (`sotw`|`delta`) everywhere, and
 * `xds.type_url` on per-type counters. Without a meter every method is a no-op.
 */
export class AdsMetrics {
  private readonly streams: UpDownCounter;
  private readonly responses: Counter;
  private readonly acks: Counter;
  private readonly nacks: Counter;

  constructor(meter: Meter = createNoopMeter()) {
    this.streams = meter.createUpDownCounter('mycel.xds.streams', { description: 'Connected (authorized) ADS streams.' });
    this.responses = meter.createCounter('mycel.xds.responses', { description: 'ADS responses sent, by type URL.' });
    this.acks = meter.createCounter('mycel.xds.acks', { description: 'ADS responses acknowledged (ACK), by type URL.' });
    this.nacks = meter.createCounter('mycel.xds.nacks', { description: 'ADS responses rejected (NACK), by type URL.' });
  }

  /** A stream was authorized. */
  streamOpened(protocol: AdsProtocol): void {
    this.streams.add(1, { 'xds.protocol': protocol });
  }

  /** An authorized stream ended. */
  streamClosed(protocol: AdsProtocol): void {
    this.streams.add(-1, { 'xds.protocol': protocol });
  }

  /** A response of `typeUrl` was sent. */
  response(protocol: AdsProtocol, typeUrl: string): void {
    this.responses.add(1, { 'xds.protocol': protocol, 'xds.type_url': typeUrl });
  }

  /** A response of `typeUrl` was ACKed. */
  ack(protocol: AdsProtocol, typeUrl: string): void {
    this.acks.add(1, { 'xds.protocol': protocol, 'xds.type_url': typeUrl });
  }

  /** A response of `typeUrl` was NACKed. */
  nack(protocol: AdsProtocol, typeUrl: string): void {
    this.nacks.add(1, { 'xds.protocol': protocol, 'xds.type_url': typeUrl });
  }
}
