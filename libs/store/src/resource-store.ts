import type { Resource, ResourceInput, ResourceKey } from '@mycel/core';

/** Largest page a list may return. */
export const MAX_PAGE_SIZE = 1000;
/** Page size when the caller gives none. */
export const DEFAULT_PAGE_SIZE = 100;

/** A list query: one type, optionally one mesh, filters, and keyset pagination. */
export interface ListQuery {
  readonly type: string;
  /** Only resources of this mesh (mesh-scoped types); all meshes when absent. */
  readonly mesh?: string;
  /** Every entry must match exactly (label key → value). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Only names containing this substring. */
  readonly nameContains?: string;
  /** Page size, 1..MAX_PAGE_SIZE; DEFAULT_PAGE_SIZE when absent. */
  readonly size?: number;
  /** Opaque cursor from a previous page's `next`; the first page when absent. */
  readonly offset?: string;
}

/**
 * One page of results, ordered by (mesh, name). `total` counts every match of the query (all pages);
 * `next` is the cursor of the following page, absent on the last one. Pages are keyset-based, so a
 * walk sees every resource that existed for the whole walk exactly once, even under concurrent writes.
 */
export interface ListPage {
  readonly items: Resource[];
  readonly total: number;
  readonly next?: string;
}

/** Preconditions for update and delete. */
export interface WriteOptions {
  /** When set, the write fails with ConflictError unless the stored version equals it. */
  readonly expectedVersion?: string;
}

/** One committed change. `resource` is the new state, or for deletions the last state before deletion. */
export interface ChangeEvent {
  /** Opaque, resumable position of this change in the feed. */
  readonly revision: string;
  readonly op: 'created' | 'updated' | 'deleted';
  readonly resource: Resource;
}

/**
 * What a watcher receives: a change, or `resync` when changes after the requested revision are no
 * longer retained. After `resync` the watcher must re-list; changes after `revision` follow.
 */
export type WatchMessage = { readonly kind: 'change'; readonly event: ChangeEvent } | { readonly kind: 'resync'; readonly revision: string };

/** Options of a watch. */
export interface WatchOptions {
  /** Deliver every change after this revision; from "now" (the current head) when absent. */
  readonly fromRevision?: string;
}

/**
 * A running watch: iterate it to receive messages in commit order. `close()` ends the iteration
 * and releases its resources; it is idempotent. Iteration ends by itself when the store closes.
 */
export interface ChangeStream extends AsyncIterable<WatchMessage> {
  close(): Promise<void>;
}

/**
 * Persistent home of every resource. Writes are linearizable per resource; a write that returned
 * successfully is durable for the store's durability model (memory: the process; Redis: its AOF).
 *
 * Errors: NotFoundError (missing resource, or missing mesh for a mesh-scoped create),
 * AlreadyExistsError (create of an existing key), ConflictError (expectedVersion mismatch),
 * UnavailableError (backend unreachable).
 */
export interface ResourceStore {
  /** The resource, or throws NotFoundError. */
  get(key: ResourceKey): Promise<Resource>;
  /** The resource, or undefined. */
  find(key: ResourceKey): Promise<Resource | undefined>;
  /** A page of resources matching the query. */
  list(query: ListQuery): Promise<ListPage>;
  /** Creates the resource with version "1"; a mesh-scoped resource needs its Mesh to exist. */
  create(input: ResourceInput): Promise<Resource>;
  /**
   * Replaces labels and spec. When both equal the stored ones nothing changes: the stored resource
   * is returned with its version, and no change event is emitted. Otherwise the version goes up by one.
   */
  update(input: ResourceInput, options?: WriteOptions): Promise<Resource>;
  /** Deletes the resource; deleting a Mesh also deletes every resource of that mesh. */
  delete(key: ResourceKey, options?: WriteOptions): Promise<void>;
  /** The revision of the latest committed change ("0" style initial value when there was none). */
  head(): Promise<string>;
  /** Starts a watch; see WatchOptions and WatchMessage. */
  watch(options?: WatchOptions): ChangeStream;
  /** Stops every watch and releases connections. Idempotent. */
  close(): Promise<void>;
}
