/** Loop timings of the sync components; every field has a default. */
export interface KdsTimings {
  /** First retry delay after a failure, in ms (doubling per failure); default 250. A reconnect retries at once. */
  readonly retryBaseMs?: number;
  /** Longest retry delay, in ms; default 10000. */
  readonly retryMaxMs?: number;
  /** A full resync of every bucket against its store this often, in ms, as a safety net; default 600000 (10 min), 0 = never. */
  readonly resyncIntervalMs?: number;
  /** A publisher removes delete markers older than this from its bucket at each full resync, in ms; default 3600000 (1 h), 0 = never. */
  readonly markerRetentionMs?: number;
  /** A (re)subscription whose initial snapshot makes no progress for this long is restarted, in ms; default 30000. */
  readonly snapshotStallMs?: number;
  /**
   * A consumer compares the stream's last sequence with what its watch delivered this often, in ms,
   * and resubscribes when a message older than one period never arrived; default 5000, 0 = never.
   */
  readonly watchCheckMs?: number;
  /** KV writes a publisher keeps in flight at once; default 64. */
  readonly concurrency?: number;
}

/** {@link KdsTimings} with every default filled in. */
export type ResolvedKdsTimings = Required<KdsTimings>;

/** Fills in the defaults of {@link KdsTimings}. */
export function resolveTimings(t: KdsTimings = {}): ResolvedKdsTimings {
  return {
    retryBaseMs: t.retryBaseMs ?? 250,
    retryMaxMs: t.retryMaxMs ?? 10_000,
    resyncIntervalMs: t.resyncIntervalMs ?? 600_000,
    markerRetentionMs: t.markerRetentionMs ?? 3_600_000,
    snapshotStallMs: t.snapshotStallMs ?? 30_000,
    watchCheckMs: t.watchCheckMs ?? 5_000,
    concurrency: Math.max(1, t.concurrency ?? 64),
  };
}

/** How a publisher creates its bucket (ignored when the bucket exists). */
export interface KdsBucketOptions {
  /** JetStream replicas: 1 on a single server, 3 or 5 on a cluster; default 1. */
  readonly replicas?: number;
  /** `file` (default) or `memory`. */
  readonly storage?: 'file' | 'memory';
}
