import {
  AlreadyExistsError,
  ConflictError,
  MESH_TYPE,
  MalformedInputError,
  NotFoundError,
  UnavailableError,
  formatKey,
  jsonEqual,
  type Resource,
  type ResourceInput,
  type ResourceKey,
} from '@mycel/core';
import {
  compareMembers,
  encodeCursor,
  memberName,
  meshRangeEnd,
  meshRangeStart,
  pageRequest,
  sortMember,
  type PageRequest,
} from './list-cursor';
import type { ChangeEvent, ChangeStream, ListPage, ListQuery, ResourceStore, WatchMessage, WatchOptions, WriteOptions } from './resource-store';
import { retainChangesOption, timestamp } from './store-options';
import { normalizeInput, withStoreFields } from './stored-resource';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Source of creation and modification times; the system clock by default. */
  readonly clock?: () => Date;
  /** How many of the latest changes stay available to resuming watchers; default 10000, at least 1. */
  readonly retainChanges?: number;
}

interface TypeTable {
  /** Sort members of the type, ascending by {@link compareMembers}. */
  readonly members: string[];
  readonly byMember: Map<string, Resource>;
}

type ChangeOp = ChangeEvent['op'];

/**
 * The embedded, process-local ResourceStore. Every method runs synchronously up to its single
 * state change, so writes are atomic and linearizable. Stored objects are never handed out:
 * reads, list items and change events are deep copies. Revisions are decimal strings counting
 * changes ("0" before the first); a watcher resuming from a revision more than `retainChanges`
 * behind the head (or ahead of it, e.g. from an earlier process) gets `resync`.
 */
export class MemoryStore implements ResourceStore {
  private readonly clock: () => Date;
  private readonly retain: number;
  private readonly tables = new Map<string, TypeTable>();
  /** Revision of the latest change. */
  private revision = 0;
  /** Changes with revisions logStart … revision; at least the last `retain` of them. */
  private log: ChangeEvent[] = [];
  private logStart = 1;
  private readonly waiters = new Set<() => void>();
  private readonly streams = new Set<MemoryChangeStream>();
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.retain = retainChangesOption(options.retainChanges);
  }

  async get(key: ResourceKey): Promise<Resource> {
    const found = await this.find(key);
    if (found === undefined) throw new NotFoundError(`${formatKey(key)} not found`);
    return found;
  }

  async find(key: ResourceKey): Promise<Resource | undefined> {
    this.assertOpen();
    const stored = this.lookup(key);
    return stored === undefined ? undefined : structuredClone(stored);
  }

  async list(query: ListQuery): Promise<ListPage> {
    this.assertOpen();
    const page = pageRequest(query);
    const table = this.tables.get(query.type);
    if (table === undefined) return { items: [], total: 0 };
    const { members } = table;
    let lo = 0;
    let hi = members.length;
    if (query.mesh !== undefined) {
      lo = lowerBound(members, meshRangeStart(query.mesh));
      hi = lowerBound(members, meshRangeEnd(query.mesh));
    }
    const start = page.after === undefined ? lo : Math.max(lo, upperBound(members, page.after));
    const items: Resource[] = [];
    let total = 0;
    let last = '';
    let more = false;
    for (let i = lo; i < hi; i++) {
      const member = members[i] as string;
      const resource = table.byMember.get(member) as Resource;
      if (!matches(member, resource, page)) continue;
      total++;
      if (i < start) continue;
      if (items.length < page.size) {
        items.push(structuredClone(resource));
        last = member;
      } else {
        more = true;
      }
    }
    return more ? { items, total, next: encodeCursor(last) } : { items, total };
  }

  async create(input: ResourceInput): Promise<Resource> {
    this.assertOpen();
    const r = normalizeInput(input);
    const member = sortMember(r.mesh, r.name);
    if (this.tables.get(r.type)?.byMember.has(member)) throw new AlreadyExistsError(`${formatKey(r)} already exists`);
    if (r.mesh !== undefined && this.lookup({ type: MESH_TYPE, name: r.mesh }) === undefined) {
      throw new NotFoundError(`Mesh ${r.mesh} not found: ${formatKey(r)} belongs to it`);
    }
    const now = timestamp(this.clock);
    const created = withStoreFields(r, { creationTime: now, modificationTime: now, version: '1' });
    this.insert(created.type, member, created);
    this.append('created', created);
    return structuredClone(created);
  }

  async update(input: ResourceInput, options: WriteOptions = {}): Promise<Resource> {
    this.assertOpen();
    const r = normalizeInput(input);
    const current = this.lookup(r);
    if (current === undefined) throw new NotFoundError(`${formatKey(r)} not found`);
    checkVersion(current, options);
    if (jsonEqual(current.labels, r.labels) && jsonEqual(current.spec, r.spec)) return structuredClone(current);
    const updated = withStoreFields(r, {
      creationTime: current.creationTime,
      modificationTime: timestamp(this.clock),
      version: String(Number(current.version) + 1),
    });
    (this.tables.get(r.type) as TypeTable).byMember.set(sortMember(r.mesh, r.name), updated);
    this.append('updated', updated);
    return structuredClone(updated);
  }

  async delete(key: ResourceKey, options: WriteOptions = {}): Promise<void> {
    this.assertOpen();
    const current = this.lookup(key);
    if (current === undefined) throw new NotFoundError(`${formatKey(key)} not found`);
    checkVersion(current, options);
    if (key.type === MESH_TYPE) this.deleteMeshContents(key.name);
    this.remove(key.type, sortMember(key.mesh, key.name));
    this.append('deleted', current);
  }

  async head(): Promise<string> {
    this.assertOpen();
    return String(this.revision);
  }

  /** See ResourceStore.watch; a malformed `fromRevision` (not a decimal string) throws MalformedInputError. */
  watch(options: WatchOptions = {}): ChangeStream {
    this.assertOpen();
    const from = options.fromRevision;
    if (from !== undefined && !/^\d+$/.test(from)) {
      throw new MalformedInputError(`invalid revision '${from}': this store's revisions are decimal numbers`, [
        { field: 'fromRevision', reason: 'must be a revision returned by this store' },
      ]);
    }
    const stream = new MemoryChangeStream(this.feed, from === undefined ? this.revision : Number(from));
    this.streams.add(stream);
    return stream;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.streams].map((s) => s.close()));
    this.wake();
  }

  /** What change streams see of the store. */
  private readonly feed: ChangeFeed = {
    messageAfter: (cursor) => this.messageAfter(cursor),
    isClosed: () => this.closed,
    waitForChange: (wake) => {
      this.waiters.add(wake);
      return () => this.waiters.delete(wake);
    },
    forget: (stream) => this.streams.delete(stream),
  };

  private messageAfter(cursor: number): WatchMessage | undefined {
    if (cursor > this.revision || cursor < this.revision - this.retain) return { kind: 'resync', revision: String(this.revision) };
    if (cursor === this.revision) return undefined;
    const event = this.log[cursor + 1 - this.logStart] as ChangeEvent;
    return { kind: 'change', event: { revision: event.revision, op: event.op, resource: structuredClone(event.resource) } };
  }

  /** Deletes every resource of `mesh`, type by type in code point order, each in (mesh, name) order. */
  private deleteMeshContents(mesh: string): void {
    const types = [...this.tables.keys()].sort(compareMembers);
    for (const type of types) {
      const table = this.tables.get(type) as TypeTable;
      const lo = lowerBound(table.members, meshRangeStart(mesh));
      const hi = lowerBound(table.members, meshRangeEnd(mesh));
      for (const member of table.members.slice(lo, hi)) {
        const resource = table.byMember.get(member) as Resource;
        this.remove(type, member);
        this.append('deleted', resource);
      }
    }
  }

  private lookup(key: ResourceKey): Resource | undefined {
    return this.tables.get(key.type)?.byMember.get(sortMember(key.mesh, key.name));
  }

  private insert(type: string, member: string, resource: Resource): void {
    let table = this.tables.get(type);
    if (table === undefined) {
      table = { members: [], byMember: new Map() };
      this.tables.set(type, table);
    }
    table.members.splice(lowerBound(table.members, member), 0, member);
    table.byMember.set(member, resource);
  }

  private remove(type: string, member: string): void {
    const table = this.tables.get(type) as TypeTable;
    table.members.splice(lowerBound(table.members, member), 1);
    table.byMember.delete(member);
    if (table.members.length === 0) this.tables.delete(type);
  }

  /** Records a committed change (the stored object itself: stored objects are replaced, never mutated). */
  private append(op: ChangeOp, resource: Resource): void {
    this.revision++;
    this.log.push({ revision: String(this.revision), op, resource });
    // Drop old changes in chunks rather than one shift per write; the resync rule uses `retain`, not the array.
    if (this.log.length >= 2 * this.retain + 64) {
      const drop = this.log.length - this.retain;
      this.log = this.log.slice(drop);
      this.logStart += drop;
    }
    this.wake();
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  private assertOpen(): void {
    if (this.closed) throw new UnavailableError('memory store is closed');
  }
}

interface ChangeFeed {
  messageAfter(cursor: number): WatchMessage | undefined;
  isClosed(): boolean;
  /** Calls `wake` once on the next change or close; returns a canceller. */
  waitForChange(wake: () => void): () => void;
  forget(stream: MemoryChangeStream): void;
}

/** A single-consumer watch over a MemoryStore: pulls from the retained log, so a slow consumer costs no memory. */
class MemoryChangeStream implements ChangeStream, AsyncIterator<WatchMessage> {
  private closed = false;
  private cancelWait: (() => void) | undefined;
  private wakeWaiter: (() => void) | undefined;

  constructor(
    private readonly feed: ChangeFeed,
    private cursor: number,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<WatchMessage> {
    return this;
  }

  async next(): Promise<IteratorResult<WatchMessage, undefined>> {
    for (;;) {
      if (this.closed || this.feed.isClosed()) return { done: true, value: undefined };
      const message = this.feed.messageAfter(this.cursor);
      if (message !== undefined) {
        this.cursor = Number(message.kind === 'change' ? message.event.revision : message.revision);
        return { done: false, value: message };
      }
      await new Promise<void>((resolve) => {
        this.wakeWaiter = resolve;
        this.cancelWait = this.feed.waitForChange(resolve);
      });
      this.cancelWait = undefined;
      this.wakeWaiter = undefined;
    }
  }

  async return(): Promise<IteratorResult<WatchMessage, undefined>> {
    await this.close();
    return { done: true, value: undefined };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelWait?.();
    this.wakeWaiter?.();
    this.feed.forget(this);
  }
}

function checkVersion(current: Resource, options: WriteOptions): void {
  if (options.expectedVersion !== undefined && options.expectedVersion !== current.version) {
    throw new ConflictError(`${formatKey(current)} has version ${current.version}, expected ${options.expectedVersion}`);
  }
}

function matches(member: string, resource: Resource, page: PageRequest): boolean {
  if (page.nameContains !== '' && !memberName(member).includes(page.nameContains)) return false;
  for (const [key, value] of page.labels) {
    if (!Object.hasOwn(resource.labels, key) || resource.labels[key] !== value) return false;
  }
  return true;
}

/** Index of the first member ≥ `member`. */
function lowerBound(members: readonly string[], member: string): number {
  let lo = 0;
  let hi = members.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareMembers(members[mid] as string, member) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first member > `member`. */
function upperBound(members: readonly string[], member: string): number {
  let lo = 0;
  let hi = members.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareMembers(members[mid] as string, member) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
