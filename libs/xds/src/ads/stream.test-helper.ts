import { SnapshotCache } from '../snapshot-cache';
import type { NackDetail, XdsStreamContext } from './xds-stream';

// A fake transport for the protocol specs: records responses, events and failures. Only spec files
// import this module.

/** One event a stream reported, flattened for `deepEqual`. */
export type RecordedEvent =
  | { readonly kind: 'ack'; readonly typeUrl: string; readonly version: string; readonly nonce: string }
  | { readonly kind: 'nack'; readonly typeUrl: string; readonly version: string; readonly nonce: string; readonly detail: NackDetail };

/** A cache plus everything a stream under test sent and reported. */
export class StreamHarness<Res> {
  readonly cache = new SnapshotCache();
  readonly sent: Res[] = [];
  readonly events: RecordedEvent[] = [];
  readonly failures: unknown[] = [];

  /** A stream context for `nodeId` writing into this harness. */
  context(nodeId = 'node-1'): XdsStreamContext<Res> {
    return {
      nodeId,
      cache: this.cache,
      send: (response) => this.sent.push(response),
      fail: (err) => this.failures.push(err),
      events: {
        response: () => undefined,
        ack: (typeUrl, version, nonce) => this.events.push({ kind: 'ack', typeUrl, version, nonce }),
        nack: (typeUrl, version, nonce, detail) => this.events.push({ kind: 'nack', typeUrl, version, nonce, detail }),
      },
    };
  }

  /** Responses sent since the last call (and forgets them). */
  take(): Res[] {
    return this.sent.splice(0);
  }
}
