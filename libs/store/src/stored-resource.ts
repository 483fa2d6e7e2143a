import type { Resource, ResourceInput } from '@mycel/core';

/** Store-set fields of a resource. */
export interface StoreFields {
  readonly creationTime: string;
  readonly modificationTime: string;
  readonly version: string;
}

/**
 * A detached copy of an input with JSON semantics (labels and spec pass through JSON, so both
 * stores keep exactly what a JSON round trip keeps), in the canonical envelope field order.
 */
export function normalizeInput(input: ResourceInput): ResourceInput {
  const labels = JSON.parse(JSON.stringify(input.labels ?? {})) as Record<string, string>;
  const spec: unknown = input.spec === undefined ? {} : JSON.parse(JSON.stringify(input.spec));
  return input.mesh === undefined
    ? { type: input.type, name: input.name, labels, spec }
    : { type: input.type, mesh: input.mesh, name: input.name, labels, spec };
}

/** The resource made of a normalized input and store fields, in the canonical field order. */
export function withStoreFields(input: ResourceInput, fields: StoreFields): Resource {
  return { ...input, creationTime: fields.creationTime, modificationTime: fields.modificationTime, version: fields.version };
}

/** A stored resource JSON (as written by {@link withStoreFields}) parsed into a fresh object. */
export function parseStoredResource(json: string): Resource {
  const r = JSON.parse(json) as Resource;
  return withStoreFields(normalizedShape(r), r);
}

function normalizedShape(r: Resource): ResourceInput {
  return r.mesh === undefined
    ? { type: r.type, name: r.name, labels: r.labels, spec: r.spec }
    : { type: r.type, mesh: r.mesh, name: r.name, labels: r.labels, spec: r.spec };
}
