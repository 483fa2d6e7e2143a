import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { streamOfBucket } from './kds-keys';
import type { KdsNats } from './nats-connection';

/** One message of a bucket, as KDS reads it. */
export interface WatchEntry {
  /** The KV key (the subject after `$KV.<bucket>.`). */
  readonly key: string;
  /** `PUT` for a value; `DEL` or `PURGE` for a marker. */
  readonly operation: 'PUT' | 'DEL' | 'PURGE';
  /** The stream sequence of the message. */
  readonly revision: number;
  /** When the NATS server stored it. */
  readonly created: Date;
  /** Messages still pending for this watch when it was delivered. */
  readonly delta: number;
  readonly value: Uint8Array;
}

/** A watch of a whole bucket and where its initial snapshot ends. */
export interface BucketWatch extends AsyncIterable<WatchEntry> {
  /**
   * The snapshot is complete at the first entry for which {@link endsSnapshot} holds; 0 when the
   * bucket was empty (complete before any entry).
   */
  readonly snapshotEnd: number;
  /** Ends the iteration and releases the consumer; idempotent. */
  stop(): void;
}

/**
 * Watches every message of `bucket`: an ordered *pull* consumer delivering all messages (KDS
 * buckets keep one per key, so that is the current value of every key, markers included), then
 * every later write, in stream order; after opening it, reads the stream's last sequence L. Once
 * an entry with revision ≥ L has arrived, every key's latest value up to L has been delivered:
 * the entries so far, latest per key, are exactly the bucket at L.
 *
 * Not nats.js's `kv.watch()`: it is a push consumer, and on nats-server 2.9.10 a push consumer
 * created right after its stream can stay unbound (`push_bound` false) and lose the first
 * messages for good; its last-per-subject mode also leaves `pending` too high forever when a key
 * is overwritten mid-snapshot. A pull consumer asks for messages itself and has neither problem.
 */
export async function openBucketWatch(nats: KdsNats, kv: KV, bucket: string): Promise<BucketWatch> {
  const consumer = await nats.js.consumers.get(streamOfBucket(bucket), { filter_subjects: `$KV.${bucket}.>`, deliver_policy: DeliverPolicy.All });
  const messages = await consumer.consume({ max_messages: 512 });
  let snapshotEnd: number;
  try {
    const status = await kv.status();
    snapshotEnd = status.values === 0 ? 0 : status.streamInfo.state.last_seq;
  } catch (err) {
    messages.stop();
    throw err;
  }
  const prefix = `$KV.${bucket}.`;
  return {
    snapshotEnd,
    stop: () => messages.stop(),
    async *[Symbol.asyncIterator]() {
      for await (const m of messages) yield toEntry(m, prefix);
    },
  };
}

/** True when `entry` completes a snapshot that ends at `snapshotEnd` (see {@link openBucketWatch}). */
export function endsSnapshot(entry: WatchEntry, snapshotEnd: number): boolean {
  // `delta` (pending after this entry) may be too high on nats-server 2.9, never too low, so 0 ends it too.
  return entry.revision >= snapshotEnd || entry.delta === 0;
}

function toEntry(m: JsMsg, prefix: string): WatchEntry {
  const op = m.headers?.get('KV-Operation');
  return {
    key: m.subject.startsWith(prefix) ? m.subject.slice(prefix.length) : m.subject,
    operation: op === 'DEL' || op === 'PURGE' ? op : 'PUT',
    revision: m.seq,
    created: new Date(Math.floor(m.info.timestampNanos / 1e6)),
    delta: m.info.pending,
    value: m.data,
  };
}
