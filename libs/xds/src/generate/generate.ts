import type { JsonObject } from '@mycel/core';
import type { XdsResource, XdsTypeUrl, Snapshot } from '../resource-types';
import { PUSH_ORDER } from '../resource-types';
import { adminGenerator } from './admin.generator';
import { assertConsistent, replacementsConsistent } from './consistency';
import type { ReplacedResource } from './consistency';
import { EncodingCache, isSharedResource } from './encoding-cache';
import { endpointsGenerator } from './endpoints.generator';
import type { ResourceGenerator } from './generator';
import { inboundGenerator } from './inbound.generator';
import { outboundGenerator } from './outbound.generator';
import type { MeshContext, Proxy } from './proxy';
import { assertSameMesh } from './proxy';
import { proxylessGenerator } from './proxyless.generator';
import { ResourceSet } from './resource-set';
import type { ResourceEntry } from './resource-set';

/** Generators of an Envoy sidecar, in the order they run. */
export const ENVOY_GENERATORS: readonly ResourceGenerator[] = Object.freeze([inboundGenerator, outboundGenerator, endpointsGenerator, adminGenerator]);
/** Generators of a proxyless gRPC application, in the order they run. */
export const PROXYLESS_GENERATORS: readonly ResourceGenerator[] = Object.freeze([proxylessGenerator]);

/** Options of {@link generateSnapshot}. */
export interface GenerateOptions {
  /**
   * Cache that encodes each distinct resource once across proxies and calls. Pass the long-lived
   * one of the control plane; without it a fresh cache is used and nothing is shared.
   */
  readonly cache?: EncodingCache;
}

/**
 * Runs the generators of the proxy's kind in order and merges their resources; a name produced
 * twice throws `DuplicateResourceError`. Policy plugins modify the returned set before
 * {@link toSnapshot}.
 */
export function generateResources(proxy: Proxy, ctx: MeshContext): ResourceSet {
  assertSameMesh(proxy, ctx);
  const set = new ResourceSet();
  for (const generator of proxy.kind === 'grpc' ? PROXYLESS_GENERATORS : ENVOY_GENERATORS) {
    if (generator.contextKey === undefined) set.addAll(generator.generate(ctx, proxy));
    else for (const entry of memoisedOutput(generator, generator.contextKey(ctx, proxy), ctx, proxy)) set.add(entry.typeUrl, entry.message);
  }
  return set;
}

/** The output of a generator with a `contextKey`, from `ctx.templates` when it has the one for this dataplane object, kind and key. */
function memoisedOutput(generator: ResourceGenerator, key: string, ctx: MeshContext, proxy: Proxy): readonly ResourceEntry[] {
  let perGenerator = ctx.templates.outputs.get(proxy.dataplane);
  if (perGenerator === undefined) {
    perGenerator = new Map();
    ctx.templates.outputs.set(proxy.dataplane, perGenerator);
  }
  const slot = `${generator.name}\u0000${proxy.kind}`;
  const known = perGenerator.get(slot);
  if (known !== undefined && known.key === key) return known.entries;
  const entries = generator.generate(ctx, proxy).entries();
  // Only shared (frozen) resources may be handed to several sets: plugins edit those through copies.
  if (entries.every((e) => isSharedResource(e.message))) perGenerator.set(slot, { key, entries });
  return entries;
}

/**
 * Encodes every resource of `set` once (through `cache`) into a {@link Snapshot}: one map per type
 * URL in push order, every type present (empty when the proxy has none), names sorted. Throws
 * `EnvoyShapeError` / `EnvoyRulesError` for a resource Envoy would reject.
 */
export function toSnapshot(set: ResourceSet, cache: EncodingCache = new EncodingCache()): Snapshot {
  const resources = new Map<XdsTypeUrl, Map<string, XdsResource>>();
  for (const typeUrl of PUSH_ORDER) resources.set(typeUrl, new Map());
  for (const entry of set.entries()) resources.get(entry.typeUrl)?.set(entry.name, cache.encode(entry.typeUrl, entry.name, entry.message));
  return { resources };
}

/**
 * The snapshot of `proxy`: {@link generateResources}, a consistency check (every referenced
 * cluster, ClusterLoadAssignment and route configuration exists, else
 * `SnapshotInconsistencyError`), then {@link toSnapshot}. Deterministic: equal inputs give equal
 * versions.
 */
export function generateSnapshot(proxy: Proxy, ctx: MeshContext, options: GenerateOptions = {}): Snapshot {
  const set = generateResources(proxy, ctx);
  assertConsistent(set);
  return toSnapshot(set, options.cache);
}

/** A snapshot and the messages it was encoded from (see {@link encodeSnapshot}). */
export interface EncodedSnapshot {
  readonly snapshot: Snapshot;
  /** Per type URL, the message of every resource by name. */
  readonly messages: ReadonlyMap<XdsTypeUrl, ReadonlyMap<string, JsonObject>>;
}

/**
 * `assertConsistent(set)` then `toSnapshot(set, cache)`, doing only what differs from `previous`
 * (an earlier result for the same proxy, or undefined): resources that are the very objects of
 * `previous` keep their encoding, a type with no such change keeps its (immutable) map — which the
 * SnapshotCache then skips — and when the names are those of `previous` only the replaced
 * resources' references are checked. The snapshot equals the one a cold call would produce, byte
 * for byte; an inconsistent set throws `SnapshotInconsistencyError` as `assertConsistent` does.
 */
export function encodeSnapshot(set: ResourceSet, cache: EncodingCache, previous?: EncodedSnapshot): EncodedSnapshot {
  if (previous === undefined) {
    assertConsistent(set);
    return { snapshot: toSnapshot(set, cache), messages: set.sealedContents() };
  }
  let sameNames = true;
  const replaced: ReplacedResource[] = [];
  // Per changed type: whether it holds the names it held (then the kept map's sorted order is reused).
  const changedTypes = new Map<XdsTypeUrl, boolean>();
  for (const typeUrl of PUSH_ORDER) {
    const now = set.typeMap(typeUrl);
    const was = previous.messages.get(typeUrl);
    if ((now?.size ?? 0) !== (was?.size ?? 0)) {
      sameNames = false;
      changedTypes.set(typeUrl, false);
      continue;
    }
    if (now === undefined) continue;
    let typeNames = true;
    let changed = false;
    for (const [name, message] of now) {
      const before = was?.get(name);
      // Only a shared (frozen) resource is known not to have changed in place.
      if (before === message && isSharedResource(message)) continue;
      changed = true;
      if (before === undefined) typeNames = false;
      else replaced.push({ typeUrl, message, previous: before });
    }
    if (changed) changedTypes.set(typeUrl, typeNames);
    if (!typeNames) sameNames = false;
  }
  if (!sameNames || !replacementsConsistent(set, replaced)) assertConsistent(set);
  if (changedTypes.size === 0) return previous;
  const messages = set.sealedContents();
  const resources = new Map<XdsTypeUrl, ReadonlyMap<string, XdsResource>>();
  for (const typeUrl of PUSH_ORDER) {
    const kept = previous.snapshot.resources.get(typeUrl) ?? new Map<string, XdsResource>();
    const typeNames = changedTypes.get(typeUrl);
    if (typeNames === undefined) {
      resources.set(typeUrl, kept);
      continue;
    }
    const now = messages.get(typeUrl) ?? new Map<string, JsonObject>();
    const was = previous.messages.get(typeUrl);
    const out = new Map<string, XdsResource>();
    // Names in sorted order, as toSnapshot files them: that of the kept map when the names are the same.
    for (const name of typeNames ? kept.keys() : [...now.keys()].sort()) {
      const message = now.get(name) as JsonObject;
      const known = was?.get(name) === message && isSharedResource(message) ? kept.get(name) : undefined;
      out.set(name, known ?? cache.encode(typeUrl, name, message));
    }
    resources.set(typeUrl, out);
  }
  return { snapshot: { resources }, messages };
}
