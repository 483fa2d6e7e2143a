import type { Violations } from '@mycel/core';
import { Labels, checkLabels, childPath, labelValueProblem, nameProblem } from '@mycel/core';

/*
 * targetRefs: what a policy (top level) or one of its entries (`to[]`, `from[]`) points at.
 * The top-level targetRef selects proxies; `to[].targetRef` selects destinations and
 * `from[].targetRef` sources. Which kinds a position accepts is up to each policy type.
 */

/** Every targetRef kind Mycel knows. */
export const TARGET_REF_KINDS = ['Mesh', 'MeshSubset', 'MeshService', 'Dataplane'] as const;
/** One of {@link TARGET_REF_KINDS}. */
export type TargetRefKind = (typeof TARGET_REF_KINDS)[number];

/** Every proxy (or destination, or source) of the mesh. */
export interface MeshTargetRef {
  readonly kind: 'Mesh';
}

/** Proxies with an inbound (or gateway) carrying all of `tags`. */
export interface MeshSubsetTargetRef {
  readonly kind: 'MeshSubset';
  /** At least one tag; values are never empty. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Proxies serving the service `name` (the value of a `mycel.io/service` tag), or that service as a destination. */
export interface MeshServiceTargetRef {
  readonly kind: 'MeshService';
  readonly name: string;
}

/** One dataplane by `name`, or the dataplanes whose resource labels include `labels` (exactly one of both). */
export interface DataplaneTargetRef {
  readonly kind: 'Dataplane';
  readonly name?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A validated targetRef. */
export type TargetRef = MeshTargetRef | MeshSubsetTargetRef | MeshServiceTargetRef | DataplaneTargetRef;

/** `{kind: Mesh}`: what an absent top-level targetRef means. */
export const MESH_TARGET_REF: MeshTargetRef = Object.freeze({ kind: 'Mesh' });

const FIELDS_BY_KIND: Readonly<Record<TargetRefKind, readonly string[]>> = {
  Mesh: [],
  MeshSubset: ['tags'],
  MeshService: ['name'],
  Dataplane: ['name', 'labels'],
};
const ALL_FIELDS = ['kind', 'name', 'tags', 'labels'] as const;

/**
 * Validates a targetRef at `path` whose kind must be one of `allowed`; records violations on `v`
 * and returns the targetRef, or undefined when it is invalid. Fields that belong to another kind
 * are violations (`must be absent for kind Mesh`), unknown fields too.
 */
export function validateTargetRef(v: Violations, value: unknown, path: string, allowed: readonly TargetRefKind[]): TargetRef | undefined {
  const before = v.all.length;
  const o = v.object(value, path, ALL_FIELDS);
  if (!o) return undefined;
  const kind = v.oneOf(o['kind'], childPath(path, 'kind'), allowed);
  if (kind === undefined) return undefined;
  for (const field of ALL_FIELDS) {
    if (field !== 'kind' && o[field] !== undefined && !FIELDS_BY_KIND[kind].includes(field)) v.add(childPath(path, field), `must be absent for kind ${kind}`);
  }
  let ref: TargetRef | undefined;
  switch (kind) {
    case 'Mesh':
      ref = MESH_TARGET_REF;
      break;
    case 'MeshSubset': {
      const tags = requiredTags(v, o['tags'], childPath(path, 'tags'));
      if (tags) ref = { kind, tags };
      break;
    }
    case 'MeshService': {
      const name = serviceName(v, o['name'], childPath(path, 'name'));
      if (name !== undefined) ref = { kind, name };
      break;
    }
    case 'Dataplane':
      ref = dataplaneRef(v, o['name'], o['labels'], path);
      break;
  }
  return v.all.length === before ? ref : undefined;
}

/**
 * Validates a service name at `path` (the value of a `mycel.io/service` tag): required,
 * non-empty, and a valid label value. Returns it, or undefined.
 */
export function serviceName(v: Violations, value: unknown, path: string): string | undefined {
  const name = v.string(value, path);
  if (name === undefined) return undefined;
  const problem = labelValueProblem(name);
  if (problem !== undefined) {
    v.add(path, problem);
    return undefined;
  }
  return name;
}

/** A required, non-empty tag map whose keys and values follow the label rules and whose values are non-empty. */
export function requiredTags(v: Violations, value: unknown, path: string): Record<string, string> | undefined {
  if (value === undefined || value === null) {
    v.add(path, 'is required');
    return undefined;
  }
  const before = v.all.length;
  const tags = checkLabels(v, value, path);
  if (!tags) return undefined;
  for (const [key, val] of Object.entries(tags)) if (val === '') v.add(childPath(path, key), 'value must not be empty');
  if (Object.keys(value as object).length === 0) v.add(path, 'must have at least one tag');
  return v.all.length === before ? tags : undefined;
}

function dataplaneRef(v: Violations, name: unknown, labels: unknown, path: string): DataplaneTargetRef | undefined {
  if (name !== undefined && labels !== undefined) {
    v.add(path, 'must set exactly one of name and labels, got both');
    return undefined;
  }
  if (name === undefined && labels === undefined) {
    v.add(path, 'must set exactly one of name and labels, got neither');
    return undefined;
  }
  if (name !== undefined) {
    const p = childPath(path, 'name');
    const n = v.string(name, p);
    if (n === undefined) return undefined;
    const problem = nameProblem(n);
    if (problem !== undefined) {
      v.add(p, problem);
      return undefined;
    }
    return { kind: 'Dataplane', name: n };
  }
  const p = childPath(path, 'labels');
  const before = v.all.length;
  const l = checkLabels(v, labels, p);
  if (l && Object.keys(l).length === 0) v.add(p, 'must have at least one label');
  return l && v.all.length === before ? { kind: 'Dataplane', labels: l } : undefined;
}

/**
 * Specificity of a top-level targetRef, lowest first: Mesh 0 < MeshSubset 1 < MeshService 2 <
 * Dataplane by labels 3 < Dataplane by name 4. More specific policies merge later, so they win.
 */
export function targetRefSpecificity(ref: TargetRef): number {
  switch (ref.kind) {
    case 'Mesh':
      return 0;
    case 'MeshSubset':
      return 1;
    case 'MeshService':
      return 2;
    case 'Dataplane':
      return ref.name !== undefined ? 4 : 3;
  }
}

/** A short human-readable form: `Mesh`, `MeshService backend`, `MeshSubset {version=v2}`, `Dataplane web-1`. */
export function formatTargetRef(ref: TargetRef): string {
  switch (ref.kind) {
    case 'Mesh':
      return 'Mesh';
    case 'MeshSubset':
      return `MeshSubset ${formatTags(ref.tags)}`;
    case 'MeshService':
      return `MeshService ${ref.name}`;
    case 'Dataplane':
      return ref.name !== undefined ? `Dataplane ${ref.name}` : `Dataplane ${formatTags(ref.labels ?? {})}`;
  }
}

function formatTags(tags: Readonly<Record<string, string>>): string {
  return `{${Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k] ?? ''}`)
    .join(',')}}`;
}

/** True when `tags` holds every key/value of `required`. */
export function hasAllTags(tags: Readonly<Record<string, string>>, required: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(required)) if (tags[key] !== value) return false;
  return true;
}

/** The service a tag set names (`mycel.io/service`), or undefined. */
export function serviceOfTags(tags: Readonly<Record<string, string>>): string | undefined {
  return tags[Labels.service];
}
