import type { ResourceTypeDescriptor } from './descriptor';
import { checkLabels, nameProblem } from './names';
import type { TypeRegistry } from './registry';
import type { ResourceInput } from './resource';
import type { ValidationResult } from './validation';
import { Violations } from './validation';

/** Envelope fields a client may send. Store-set fields are accepted (so GET output can be re-applied) and ignored. */
export const ENVELOPE_FIELDS = ['type', 'mesh', 'name', 'labels', 'spec'] as const;
/** Store-set fields: accepted on input when well-typed, never taken from the client. */
export const STORE_FIELDS = ['creationTime', 'modificationTime', 'version'] as const;

/** What the caller already knows from the request (e.g. the REST path); the body must agree with it. */
export interface EnvelopeExpectation {
  readonly type?: string;
  readonly mesh?: string;
  readonly name?: string;
}

/**
 * Parses and validates a resource envelope and its spec. Every violation is reported with its
 * field path; unknown fields are violations. Values from `expect` fill absent fields, and a body
 * that contradicts them is a violation.
 */
export function parseResource(
  registry: TypeRegistry,
  input: unknown,
  expect: EnvelopeExpectation = {},
): ValidationResult<ResourceInput> {
  const v = new Violations();
  const obj = v.object(input, '', [...ENVELOPE_FIELDS, ...STORE_FIELDS]);
  if (!obj) return { ok: false, violations: v.all };

  for (const f of STORE_FIELDS) {
    if (obj[f] !== undefined && typeof obj[f] !== 'string') v.add(f, 'is read-only and set by the store; when sent it must be a string');
  }

  let descriptor: ResourceTypeDescriptor | undefined;
  const typeValue = obj['type'] ?? expect.type;
  const type = v.string(typeValue, 'type');
  if (type !== undefined) {
    descriptor = registry.get(type);
    if (!descriptor) v.add('type', `unknown resource type '${type}'`);
    else if (expect.type !== undefined && expect.type !== type) {
      v.add('type', `must be '${expect.type}' for this path, got '${type}'`);
      // Validating the spec as the other type would only add misleading violations.
      descriptor = undefined;
    }
  }

  const name = v.string(obj['name'] ?? expect.name, 'name');
  if (name !== undefined) {
    const problem = nameProblem(name);
    if (problem) v.add('name', problem);
    if (expect.name !== undefined && expect.name !== name) v.add('name', `must be '${expect.name}' to match the path, got '${name}'`);
  }

  let mesh: string | undefined;
  if (descriptor?.scope === 'mesh') {
    mesh = v.string(obj['mesh'] ?? expect.mesh, 'mesh');
    if (mesh !== undefined) {
      const problem = nameProblem(mesh);
      if (problem) v.add('mesh', problem);
      if (expect.mesh !== undefined && expect.mesh !== mesh) v.add('mesh', `must be '${expect.mesh}' to match the path, got '${mesh}'`);
    }
  } else if (descriptor?.scope === 'global' && obj['mesh'] !== undefined) {
    v.add('mesh', `must be absent: ${descriptor.name} is not mesh-scoped`);
  }

  const labels = obj['labels'] === undefined ? {} : checkLabels(v, obj['labels'], 'labels');
  const spec = obj['spec'] === undefined ? {} : obj['spec'];

  // The spec is validated even when the name is missing or bad, so one round trip reports everything.
  if (descriptor) {
    v.addAll(descriptor.validate(spec, { name: name ?? '', labels: labels ?? {}, ...(mesh !== undefined ? { mesh } : {}) }));
  }

  if (!v.empty || !descriptor || name === undefined) return { ok: false, violations: v.all };
  const resource: ResourceInput =
    descriptor.scope === 'mesh'
      ? { type: descriptor.name, mesh: mesh as string, name, labels: labels ?? {}, spec }
      : { type: descriptor.name, name, labels: labels ?? {}, spec };
  return { ok: true, value: resource };
}
