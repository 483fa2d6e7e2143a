import type { DataplaneSpec, JsonObject, Resource, ResourceTypeDescriptor, Violation } from '@mycel/core';
import { isObject } from '@mycel/core';
import type { MeshContext } from '@mycel/xds';
import type { PolicyOrigin, RankedPolicy } from './matching';
import { originOf, selectsDataplane, selectsInbound, sortPolicies, topLevelTargetRef } from './matching';
import type { PolicyPlugin, ToEntry } from './plugin';
import { POLICY_PLUGINS } from './registry';
import type { InboundRef } from './rule-lookup';
import { inboundRef } from './rule-lookup';
import type { TargetRef } from './target-ref';
import { targetRefSpecificity } from './target-ref';

/** A policy that selects the dataplane, as listed in its rules. */
export interface PolicyRef {
  readonly name: string;
  readonly origin: PolicyOrigin;
  /** Its top-level targetRef (`{kind: Mesh}` when the spec has none). */
  readonly targetRef: TargetRef;
}

/**
 * The merged conf for outbound traffic to a destination. The `Mesh` rule holds what applies to
 * every destination; a `MeshService` rule holds everything that applies to that service (the
 * Mesh-wide entries included, merged in order), so a lookup needs exactly one rule.
 */
export interface ToRule {
  readonly destination: TargetRef;
  readonly conf: JsonObject;
  /** Names of the policies that contributed, in merge order. */
  readonly origins: readonly string[];
}

/** The merged conf for traffic arriving at one inbound of the dataplane. */
export interface FromRule {
  readonly inbound: InboundRef;
  readonly conf: JsonObject;
  /** Names of the policies that contributed, in merge order. */
  readonly origins: readonly string[];
}

/** A stored policy that does not validate any more (e.g. written by an older version); it is ignored. */
export interface InvalidPolicy {
  readonly name: string;
  readonly violations: readonly Violation[];
}

/** The rules of one policy type for one dataplane. */
export interface PolicyTypeRules {
  /** Policies whose top-level targetRef selects the dataplane or one of its inbounds, in merge order. */
  readonly policies: readonly PolicyRef[];
  /** Outbound rules: the `Mesh` rule first (when any), then `MeshService` rules by service name. */
  readonly to: readonly ToRule[];
  /** Inbound rules, in the dataplane's inbound order (only inbounds some policy applies to). */
  readonly from: readonly FromRule[];
  /** Policies of this type in the mesh that were skipped because they do not validate, by name. */
  readonly invalid: readonly InvalidPolicy[];
}

/**
 * Everything the policies of a mesh do to one dataplane, per policy type (keys sorted). Plain
 * JSON, deterministic for equal inputs: this is what `/meshes/{m}/dataplanes/{n}/_rules` shows.
 */
export interface DataplaneRules {
  readonly mesh: string;
  readonly dataplane: string;
  readonly types: Readonly<Record<string, PolicyTypeRules>>;
}

interface Ranked extends RankedPolicy {
  readonly spec: JsonObject;
}

/**
 * The merged rules of `dataplane`: for every plugin, the valid policies of its type in the
 * dataplane's mesh whose top-level targetRef selects it, ordered by `comparePolicies`; per
 * destination the merge of the applicable `to[]` confs (ordered by policy, then Mesh entries
 * before MeshService entries, then spec order); per inbound the merge of the `from[]`/`rules[]`
 * confs of the policies that select that inbound. Resources of other types or meshes are ignored.
 */
export function computeRules(
  dataplane: Resource<DataplaneSpec>,
  meshContext: MeshContext,
  policies: readonly Resource[],
  plugins: readonly PolicyPlugin[] = POLICY_PLUGINS,
): DataplaneRules {
  const mesh = dataplane.mesh ?? meshContext.mesh;
  const types: Record<string, PolicyTypeRules> = {};
  for (const plugin of [...plugins].sort((a, b) => (a.descriptor.name < b.descriptor.name ? -1 : 1))) {
    const ofType = policies.filter((p) => p.type === plugin.descriptor.name && p.mesh === mesh);
    types[plugin.descriptor.name] = typeRules(plugin, dataplane, ofType);
  }
  return { mesh, dataplane: dataplane.name, types };
}

interface Checked {
  readonly descriptor: ResourceTypeDescriptor;
  readonly violations: readonly Violation[];
  readonly targetRef: TargetRef | undefined;
}

// Stored resources are immutable, and the reconciler passes the same policy objects for every
// proxy of a mesh: validate each object once instead of once per dataplane.
const checked = new WeakMap<Resource, Checked>();

function check(descriptor: ResourceTypeDescriptor, r: Resource): Checked {
  const known = checked.get(r);
  if (known !== undefined && known.descriptor === descriptor) return known;
  const violations = descriptor.validate(r.spec, { name: r.name, labels: r.labels, ...(r.mesh !== undefined ? { mesh: r.mesh } : {}) });
  const result = { descriptor, violations, targetRef: violations.length === 0 && isObject(r.spec) ? topLevelTargetRef(r.spec) : undefined };
  checked.set(r, result);
  return result;
}

// A policy's entries depend on its (immutable) spec only: computed once per spec object, so the confs
// of every dataplane's rules are the same objects and their merges can be shared.
const toEntriesMemo = new WeakMap<PolicyPlugin, WeakMap<object, readonly ToEntry[]>>();
const fromEntriesMemo = new WeakMap<PolicyPlugin, WeakMap<object, readonly JsonObject[]>>();

function memoised<T>(memo: WeakMap<PolicyPlugin, WeakMap<object, T>>, plugin: PolicyPlugin, spec: JsonObject, compute: () => T): T {
  let perSpec = memo.get(plugin);
  if (perSpec === undefined) {
    perSpec = new WeakMap();
    memo.set(plugin, perSpec);
  }
  let value = perSpec.get(spec);
  if (value === undefined) {
    value = compute();
    perSpec.set(spec, value);
  }
  return value;
}

function toEntriesOf(plugin: PolicyPlugin, spec: JsonObject): readonly ToEntry[] {
  return memoised(toEntriesMemo, plugin, spec, () => plugin.toEntries(spec));
}

function fromEntriesOf(plugin: PolicyPlugin, spec: JsonObject): readonly JsonObject[] {
  return memoised(fromEntriesMemo, plugin, spec, () => plugin.fromEntries(spec));
}

interface MergeNode {
  result?: JsonObject;
  readonly next: WeakMap<JsonObject, MergeNode>;
}
const merges = new WeakMap<PolicyPlugin, MergeNode>();

/**
 * `plugin.merge(confs)`, computed once per sequence of conf objects (the same objects for every
 * dataplane a policy selects) and frozen: every dataplane with the same applicable entries shares
 * one merged conf, so plugins memoising their edits by conf find it by identity.
 */
function mergeOnce(plugin: PolicyPlugin, confs: readonly JsonObject[]): JsonObject {
  let root = merges.get(plugin);
  if (root === undefined) {
    root = { next: new WeakMap() };
    merges.set(plugin, root);
  }
  let node: MergeNode = root;
  for (const conf of confs) {
    let child: MergeNode | undefined = node.next.get(conf);
    if (child === undefined) {
      child = { next: new WeakMap() };
      node.next.set(conf, child);
    }
    node = child;
  }
  // merge returns a fresh object sharing nothing with its inputs, so freezing it freezes nothing else.
  node.result ??= deepFreeze(plugin.merge(confs));
  return node.result;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The rules of one policy type for `dp` from `resources`, the valid and invalid policies of that type in its mesh (see {@link computeRules}). */
export function typeRules(plugin: PolicyPlugin, dp: Resource<DataplaneSpec>, resources: readonly Resource[]): PolicyTypeRules {
  const invalid: InvalidPolicy[] = [];
  const valid: Ranked[] = [];
  for (const r of [...resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const { violations, targetRef } = check(plugin.descriptor, r);
    if (targetRef === undefined || !isObject(r.spec)) {
      invalid.push({ name: r.name, violations });
      continue;
    }
    valid.push({ resource: r, targetRef, spec: r.spec });
  }
  const ordered = sortPolicies(valid);
  const inbounds = dp.spec.networking.inbound ?? [];
  const selected = ordered.filter((p) => selectsDataplane(p.targetRef, dp) || inbounds.some((i) => selectsInbound(p.targetRef, dp, i.tags)));
  return {
    policies: selected.map((p) => ({ name: p.resource.name, origin: originOf(p.resource.labels), targetRef: p.targetRef })),
    to: toRules(plugin, ordered.filter((p) => selectsDataplane(p.targetRef, dp))),
    from: fromRules(plugin, dp, ordered),
    invalid,
  };
}

interface OrderedEntry {
  readonly policy: string;
  readonly rank: number;
  readonly index: number;
  readonly entry: ToEntry;
}

function toRules(plugin: PolicyPlugin, policies: readonly Ranked[]): ToRule[] {
  const entries: OrderedEntry[] = [];
  policies.forEach((p, rank) => toEntriesOf(plugin, p.spec).forEach((entry, index) => entries.push({ policy: p.resource.name, rank, index, entry })));
  entries.sort(
    (a, b) => a.rank - b.rank || targetRefSpecificity(a.entry.targetRef) - targetRefSpecificity(b.entry.targetRef) || a.index - b.index,
  );
  const rules: ToRule[] = [];
  const meshWide = entries.filter((e) => e.entry.targetRef.kind === 'Mesh');
  if (meshWide.length > 0) rules.push(rule({ kind: 'Mesh' }, plugin, meshWide));
  const services = [...new Set(entries.flatMap((e) => (e.entry.targetRef.kind === 'MeshService' ? [e.entry.targetRef.name] : [])))].sort();
  for (const service of services) {
    const applicable = entries.filter((e) => e.entry.targetRef.kind === 'Mesh' || e.entry.targetRef.name === service);
    rules.push(rule({ kind: 'MeshService', name: service }, plugin, applicable));
  }
  return rules;
}

function rule(destination: TargetRef, plugin: PolicyPlugin, entries: readonly OrderedEntry[]): ToRule {
  return { destination, conf: mergeOnce(plugin, entries.map((e) => e.entry.conf)), origins: [...new Set(entries.map((e) => e.policy))] };
}

function fromRules(plugin: PolicyPlugin, dp: Resource<DataplaneSpec>, policies: readonly Ranked[]): FromRule[] {
  const out: FromRule[] = [];
  const seen = new Set<string>();
  for (const inbound of dp.spec.networking.inbound ?? []) {
    const ref = inboundRef(dp, inbound);
    const key = `${ref.address} ${ref.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const confs: JsonObject[] = [];
    const origins: string[] = [];
    for (const p of policies) {
      if (!selectsInbound(p.targetRef, dp, inbound.tags)) continue;
      const entries = fromEntriesOf(plugin, p.spec);
      if (entries.length === 0) continue;
      confs.push(...entries);
      origins.push(p.resource.name);
    }
    if (confs.length > 0) out.push({ inbound: ref, conf: mergeOnce(plugin, confs), origins });
  }
  return out;
}
