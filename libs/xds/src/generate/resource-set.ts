import type { JsonObject } from '@mycel/core';
import { MycelError } from '@mycel/core';
import type { XdsTypeUrl } from '../resource-types';
import { PUSH_ORDER, TypeUrl } from '../resource-types';
import { isSharedResource, shareResource } from './encoding-cache';

/** Most distinct edits remembered per shared resource (e.g. successive values of one policy). */
const MAX_EDITS_PER_RESOURCE = 8;

/** Results of {@link ResourceSet.editShared}: per shared resource, per edit key, the shared result. */
const sharedEdits = new WeakMap<object, Map<string, JsonObject>>();

/** Two generators (or a generator and a plugin) produced a resource with the same type and name. */
export class DuplicateResourceError extends MycelError {
  readonly code = 'INTERNAL' as const;
  readonly typeUrl: XdsTypeUrl;
  readonly resourceName: string;

  constructor(typeUrl: XdsTypeUrl, name: string, options?: { cause?: unknown }) {
    super(`duplicate resource ${shortTypeName(typeUrl)} '${name}'`, options);
    this.typeUrl = typeUrl;
    this.resourceName = name;
  }
}

/** Misuse of a {@link ResourceSet}: a resource without a usable name, or a replace of an absent one. */
export class ResourceSetError extends MycelError {
  readonly code = 'INTERNAL' as const;
}

/** One resource of a {@link ResourceSet}: a plain Envoy message object, not yet encoded. */
export interface ResourceEntry {
  readonly typeUrl: XdsTypeUrl;
  readonly name: string;
  /** Proto field names, as `encodeResource` takes them. Shared resources are frozen: modify through `ResourceSet.edit`. */
  readonly message: JsonObject;
}

/** The field holding the resource name in each xDS type (`cluster_name` for ClusterLoadAssignment). */
const NAME_FIELD: Readonly<Record<XdsTypeUrl, string>> = {
  [TypeUrl.cluster]: 'name',
  [TypeUrl.endpoint]: 'cluster_name',
  [TypeUrl.listener]: 'name',
  [TypeUrl.route]: 'name',
  [TypeUrl.secret]: 'name',
};

/** The name an xDS resource message carries (its `name`, or `cluster_name` for a ClusterLoadAssignment). */
export function resourceNameOf(typeUrl: XdsTypeUrl, message: JsonObject): string {
  const name = message[NAME_FIELD[typeUrl]];
  if (typeof name !== 'string' || name === '') {
    throw new ResourceSetError(`${shortTypeName(typeUrl)} has no ${NAME_FIELD[typeUrl]}: every xDS resource is addressed by name`);
  }
  return name;
}

/** `Listener` for `type.googleapis.com/envoy.config.listener.v3.Listener`. */
export function shortTypeName(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}

/**
 * The resources generated for one proxy, keyed by type URL and name, before encoding. Generators
 * add, policy plugins look up and modify; adding a second resource with a taken name throws
 * {@link DuplicateResourceError}, so two generators never silently overwrite each other.
 */
export class ResourceSet {
  private readonly byType = new Map<XdsTypeUrl, Map<string, JsonObject>>();
  /** While tracking (see {@link trackChanges}): the names added, replaced, edited or removed, per type. */
  private changed: Map<XdsTypeUrl, Set<string>> | undefined;

  /** Maps shared with a {@link fromContents} source or handed out by {@link sealedContents}: copied before the first change. */
  private readonly borrowed = new Set<Map<string, JsonObject>>();

  /**
   * A set holding the resources of `contents` (e.g. {@link sealedContents} of another set), in their
   * order. The maps are shared, not copied: the set copies one before it first changes it, and
   * never changes `contents`.
   */
  static fromContents(contents: ReadonlyMap<XdsTypeUrl, ReadonlyMap<string, JsonObject>>): ResourceSet {
    const set = new ResourceSet();
    for (const [typeUrl, names] of contents) {
      const map = names as Map<string, JsonObject>;
      set.byType.set(typeUrl, map);
      set.borrowed.add(map);
    }
    return set;
  }

  /**
   * The set's contents without copying them: per type URL its resources by name. The returned maps
   * never change (the set copies a map before it next changes it), so they can be kept.
   */
  sealedContents(): ReadonlyMap<XdsTypeUrl, ReadonlyMap<string, JsonObject>> {
    const out = new Map<XdsTypeUrl, ReadonlyMap<string, JsonObject>>();
    for (const [typeUrl, names] of this.byType) {
      this.borrowed.add(names);
      out.set(typeUrl, names);
    }
    return out;
  }

  /** The map of `typeUrl` to change: created when absent, copied first when borrowed. */
  private writable(typeUrl: XdsTypeUrl): Map<string, JsonObject> {
    let names = this.byType.get(typeUrl);
    if (names === undefined) {
      names = new Map();
      this.byType.set(typeUrl, names);
    } else if (this.borrowed.has(names)) {
      names = new Map(names);
      this.byType.set(typeUrl, names);
    }
    return names;
  }

  /** Starts recording which resources change (dropping what was recorded); see {@link takeChanges}. */
  trackChanges(): void {
    this.changed = new Map();
  }

  /** Names of the resources added, replaced, edited (even in place) or removed since {@link trackChanges}, per type; stops recording. */
  takeChanges(): Map<XdsTypeUrl, Set<string>> {
    const changed = this.changed ?? new Map<XdsTypeUrl, Set<string>>();
    this.changed = undefined;
    return changed;
  }

  /** The live map of the resources of `typeUrl` by name (read only; it changes with the set), or undefined when there are none. */
  typeMap(typeUrl: XdsTypeUrl): ReadonlyMap<string, JsonObject> | undefined {
    return this.byType.get(typeUrl);
  }

  private touch(typeUrl: XdsTypeUrl, name: string): void {
    if (this.changed === undefined) return;
    let names = this.changed.get(typeUrl);
    if (names === undefined) {
      names = new Set();
      this.changed.set(typeUrl, names);
    }
    names.add(name);
  }

  /** Adds `message` under the name it carries (see {@link resourceNameOf}); returns this for chaining. */
  add(typeUrl: XdsTypeUrl, message: JsonObject): this {
    const name = resourceNameOf(typeUrl, message);
    if (this.has(typeUrl, name)) throw new DuplicateResourceError(typeUrl, name);
    const names = this.writable(typeUrl);
    names.set(name, message);
    this.touch(typeUrl, name);
    return this;
  }

  /** Adds every resource of `other`; throws {@link DuplicateResourceError} on the first name both hold. */
  addAll(other: ResourceSet): this {
    for (const entry of other.entries()) this.add(entry.typeUrl, entry.message);
    return this;
  }

  /** The resource `name` of `typeUrl`, or undefined. */
  get(typeUrl: XdsTypeUrl, name: string): JsonObject | undefined {
    return this.byType.get(typeUrl)?.get(name);
  }

  /** True when the set holds resource `name` of `typeUrl`. */
  has(typeUrl: XdsTypeUrl, name: string): boolean {
    return this.byType.get(typeUrl)?.has(name) ?? false;
  }

  /** Replaces an existing resource (a plugin rewriting it wholesale); throws when it is absent or renamed. */
  replace(typeUrl: XdsTypeUrl, message: JsonObject): this {
    const name = resourceNameOf(typeUrl, message);
    if (!this.has(typeUrl, name)) throw new ResourceSetError(`cannot replace ${shortTypeName(typeUrl)} '${name}': it is not in the set`);
    this.writable(typeUrl).set(name, message);
    this.touch(typeUrl, name);
    return this;
  }

  /**
   * The resource `name` of `typeUrl`, ready to be modified in place: a shared (frozen) resource is
   * first replaced by a private deep copy, so other proxies' snapshots never see the change.
   * Throws {@link ResourceSetError} when absent.
   */
  edit(typeUrl: XdsTypeUrl, name: string): JsonObject {
    const message = this.byType.get(typeUrl)?.get(name);
    if (message === undefined) throw new ResourceSetError(`cannot edit ${shortTypeName(typeUrl)} '${name}': it is not in the set`);
    this.touch(typeUrl, name);
    if (!isSharedResource(message)) return message;
    const copy = structuredClone(message);
    this.writable(typeUrl).set(name, copy);
    return copy;
  }

  /**
   * Applies `configure` to resource `name` of `typeUrl`, for an edit that is a pure function of the
   * resource and `key` (`key` names every other input of `configure`, e.g. the canonical JSON of a
   * policy conf). A private resource is edited in place, as {@link edit} would. A shared resource is
   * replaced by the shared (frozen) result of `configure` on a copy, memoised per (resource, key):
   * every proxy making the same edit to the same shared resource gets the same object, so it is
   * built, checked and encoded once. Throws {@link ResourceSetError} when absent.
   */
  editShared(typeUrl: XdsTypeUrl, name: string, key: string, configure: (message: JsonObject) => void): void {
    const message = this.byType.get(typeUrl)?.get(name);
    if (message === undefined) throw new ResourceSetError(`cannot edit ${shortTypeName(typeUrl)} '${name}': it is not in the set`);
    this.touch(typeUrl, name);
    if (!isSharedResource(message)) {
      configure(message);
      return;
    }
    let edits = sharedEdits.get(message);
    if (edits === undefined) {
      edits = new Map();
      sharedEdits.set(message, edits);
    }
    let result = edits.get(key);
    if (result === undefined) {
      const copy = structuredClone(message);
      configure(copy);
      result = shareResource(copy);
      edits.set(key, result);
      if (edits.size > MAX_EDITS_PER_RESOURCE) {
        const oldest = edits.keys().next().value;
        if (oldest !== undefined) edits.delete(oldest);
      }
    }
    if (result !== message) this.writable(typeUrl).set(name, result);
  }

  /** Removes resource `name` of `typeUrl`; returns whether it was there. */
  remove(typeUrl: XdsTypeUrl, name: string): boolean {
    if (!this.has(typeUrl, name)) return false;
    this.writable(typeUrl).delete(name);
    this.touch(typeUrl, name);
    return true;
  }

  /** Names of the resources of `typeUrl`, sorted. */
  names(typeUrl: XdsTypeUrl): string[] {
    return [...(this.byType.get(typeUrl)?.keys() ?? [])].sort();
  }

  /** Every resource, by type in push order (CDS, EDS, LDS, RDS, SDS) then by name. */
  entries(): ResourceEntry[] {
    const out: ResourceEntry[] = [];
    for (const typeUrl of PUSH_ORDER) {
      const names = this.byType.get(typeUrl);
      if (names === undefined) continue;
      for (const name of [...names.keys()].sort()) out.push({ typeUrl, name, message: names.get(name) as JsonObject });
    }
    return out;
  }

  /** Calls `fn` for every resource, in no particular order (cheaper than {@link entries}, which sorts). */
  forEach(fn: (typeUrl: XdsTypeUrl, name: string, message: JsonObject) => void): void {
    for (const [typeUrl, names] of this.byType) for (const [name, message] of names) fn(typeUrl, name, message);
  }

  /** A copy of the set's contents: per type URL (in no particular order) its resources by name. */
  contents(): Map<XdsTypeUrl, Map<string, JsonObject>> {
    const out = new Map<XdsTypeUrl, Map<string, JsonObject>>();
    for (const [typeUrl, names] of this.byType) out.set(typeUrl, new Map(names));
    return out;
  }

  /**
   * Sets resource `name` of `typeUrl` to `message` (added or replaced), or removes it when
   * `message` is undefined: replays a change recorded from another set of equal contents. The
   * caller guarantees that `message` carries `name`.
   */
  put(typeUrl: XdsTypeUrl, name: string, message: JsonObject | undefined): void {
    if (message === undefined) {
      this.remove(typeUrl, name);
      return;
    }
    if (this.byType.get(typeUrl)?.get(name) === message) return;
    this.writable(typeUrl).set(name, message);
    this.touch(typeUrl, name);
  }

  /** Number of resources of every type. */
  get size(): number {
    let n = 0;
    for (const names of this.byType.values()) n += names.size;
    return n;
  }
}
