import type { Violation } from '@mycel/core';
import { MycelError } from '@mycel/core';

/** A type name or type URL that is not in the loaded Envoy protos (a typo, or a proto file missing from the load list). */
export class UnknownEnvoyTypeError extends MycelError {
  readonly code = 'INTERNAL' as const;
  /** The fully qualified message name that was looked up, without a leading dot. */
  readonly typeName: string;

  constructor(typeName: string, options?: { cause?: unknown }) {
    super(`unknown Envoy message type '${typeName}' (not in the loaded protos)`, options);
    this.typeName = typeName;
  }
}

/**
 * An object that does not fit its protobuf message type: an unknown field, a value of the wrong kind
 * (string for a number, out-of-range integer, undefined enum name, two members of one oneof …).
 * `fromObject` would silently drop or coerce these; this error names every one with its field path.
 */
export class EnvoyShapeError extends MycelError {
  readonly code = 'INTERNAL' as const;
  /** Fully qualified message name of the top-level object. */
  readonly typeName: string;
  /** Every problem found, with field paths relative to the top-level object. */
  readonly violations: readonly Violation[];

  constructor(typeName: string, violations: readonly Violation[], options?: { cause?: unknown }) {
    super(`${typeName} does not fit its proto: ${formatViolations(violations)}`, options);
    this.typeName = typeName;
    this.violations = violations;
  }
}

/**
 * A well-formed message that breaks the `protoc-gen-validate` rules Envoy enforces when it loads
 * config (Envoy would NACK it).
 */
export class EnvoyRulesError extends MycelError {
  readonly code = 'INTERNAL' as const;
  /** Fully qualified message name of the checked object. */
  readonly typeName: string;
  /** Name of the xDS resource, when the message is one. */
  readonly resourceName: string | undefined;
  /** Every rule broken, with field paths relative to the message. */
  readonly violations: readonly Violation[];

  constructor(typeName: string, resourceName: string | undefined, violations: readonly Violation[], options?: { cause?: unknown }) {
    const what = resourceName === undefined ? typeName : `${typeName} '${resourceName}'`;
    super(`${what} breaks Envoy's validation rules: ${formatViolations(violations)}`, options);
    this.typeName = typeName;
    this.resourceName = resourceName;
    this.violations = violations;
  }
}

/** `a: reason; b: reason`, at most 10 entries, for error messages. */
export function formatViolations(violations: readonly Violation[]): string {
  const shown = violations.slice(0, 10).map((v) => `${v.field || '(root)'}: ${v.reason}`);
  if (violations.length > 10) shown.push(`… and ${violations.length - 10} more`);
  return shown.join('; ');
}

/** A short description of a value for messages: `string 'abc'`, `number 1.5`, `object`, `array`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  return typeof value;
}
