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

  /** Adds `message` under the name it carries (see {@link resourceNameOf}); returns this for chaining. */
  add(typeUrl: XdsTypeUrl, message: JsonObject): this {
    const name = resourceNameOf(typeUrl, message);
    let names = this.byType.get(typeUrl);
    if (names === undefined) {
      names = new Map();
      this.byType.set(typeUrl, names);
    }
    if (names.has(name)) throw new DuplicateResourceError(typeUrl, name);
    names.set(name, message);
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
    const names = this.byType.get(typeUrl);
    if (names === undefined || !names.has(name)) throw new ResourceSetError(`cannot replace ${shortTypeName(typeUrl)} '${name}': it is not in the set`);
    names.set(name, message);
    return this;
  }

  /**
   * The resource `name` of `typeUrl`, ready to be modified in place: a shared (frozen) resource is
   * first replaced by a private deep copy, so other proxies' snapshots never see the change.
   * Throws {@link ResourceSetError} when absent.
   */
  edit(typeUrl: XdsTypeUrl, name: string): JsonObject {
    const names = this.byType.get(typeUrl);
    const message = names?.get(name);
    if (names === undefined || message === undefined) throw new ResourceSetError(`cannot edit ${shortTypeName(typeUrl)} '${name}': it is not in the set`);
    if (!isSharedResource(message)) return message;
    const copy = structuredClone(message);
    names.set(name, copy);
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
    const names = this.byType.get(typeUrl);
    const message = names?.get(name);
    if (names === undefined || message === undefined) throw new ResourceSetError(`cannot edit ${shortTypeName(typeUrl)} '${name}': it is not in the set`);
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
    names.set(name, result);
  }

  /** Removes resource `name` of `typeUrl`; returns whether it was there. */
  remove(typeUrl: XdsTypeUrl, name: string): boolean {
    return this.byType.get(typeUrl)?.delete(name) ?? false;
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

  /** Number of resources of every type. */
  get size(): number {
    let n = 0;
    for (const names of this.byType.values()) n += names.size;
    return n;
  }
}
