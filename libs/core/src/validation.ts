/** One violated rule: `field` is a path such as `spec.networking.inbound[0].port`. */
export interface Violation {
  readonly field: string;
  readonly reason: string;
}

/** Outcome of a validation: the value it produced, or every violation found. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; violations: Violation[] };

/** Plain JSON object (not an array, not null). */
export type JsonObject = Record<string, unknown>;

/** True when `v` is a plain JSON object. */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Appends a property to a field path: `a` + `b` → `a.b`; keys that are not identifiers are quoted. */
export function childPath(parent: string, key: string): string {
  const safe = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key);
  if (parent === '') return safe;
  return safe.startsWith('"') ? `${parent}[${safe}]` : `${parent}.${safe}`;
}

/** Appends an array index to a field path: `a` + 0 → `a[0]`. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/**
 * Collects violations while walking a value. Each `require*`/`optional*` method checks one field,
 * records a violation with its full path when it is wrong, and returns the value narrowed (or undefined).
 */
export class Violations {
  private readonly list: Violation[] = [];

  /** Records a violation at `field`. */
  add(field: string, reason: string): void {
    this.list.push({ field, reason });
  }

  /** Records violations returned by a nested validator. */
  addAll(violations: readonly Violation[]): void {
    this.list.push(...violations);
  }

  /** True when nothing has been recorded. */
  get empty(): boolean {
    return this.list.length === 0;
  }

  /** The violations recorded so far, in the order found. */
  get all(): Violation[] {
    return [...this.list];
  }

  /** Builds the result: `value` when nothing was recorded, the violations otherwise. */
  result<T>(value: T): ValidationResult<T> {
    return this.empty ? { ok: true, value } : { ok: false, violations: this.all };
  }

  /**
   * Checks that `value` is an object with no keys outside `allowed`; unknown keys are reported,
   * never dropped. Returns the object, or undefined when `value` is not an object.
   */
  object(value: unknown, path: string, allowed: readonly string[]): JsonObject | undefined {
    if (!isObject(value)) {
      this.add(path || '(root)', `must be an object, got ${describe(value)}`);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.add(childPath(path, key), 'unknown field');
    }
    return value;
  }

  /** Like `object`, but absent (undefined) is fine. */
  optionalObject(value: unknown, path: string, allowed: readonly string[]): JsonObject | undefined {
    if (value === undefined) return undefined;
    return this.object(value, path, allowed);
  }

  /** Requires a non-empty string. */
  string(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null) {
      this.add(path, 'is required');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.add(path, `must be a string, got ${describe(value)}`);
      return undefined;
    }
    if (value === '') {
      this.add(path, 'must not be empty');
      return undefined;
    }
    return value;
  }

  /** An optional string; when present it must be non-empty (null is a wrong type, not absence). */
  optionalString(value: unknown, path: string): string | undefined {
    if (value === undefined) return undefined;
    if (value === null) return this.wrongType(path, 'a string', value);
    return this.string(value, path);
  }

  /** Requires one of `choices`. */
  oneOf<T extends string>(value: unknown, path: string, choices: readonly T[]): T | undefined {
    const s = this.string(value, path);
    if (s === undefined) return undefined;
    if (!(choices as readonly string[]).includes(s)) {
      this.add(path, `must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got '${s}'`);
      return undefined;
    }
    return s as T;
  }

  /** An optional `oneOf` (null is a wrong type, not absence). */
  optionalOneOf<T extends string>(value: unknown, path: string, choices: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    if (value === null) return this.wrongType(path, 'a string', value);
    return this.oneOf(value, path, choices);
  }

  /** Requires an integer within [min, max]. */
  integer(value: unknown, path: string, min: number, max: number): number | undefined {
    if (value === undefined || value === null) {
      this.add(path, 'is required');
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      // A fractional number is the right type with the wrong value: show the value itself.
      this.add(path, `must be an integer, got ${typeof value === 'number' ? String(value) : describe(value)}`);
      return undefined;
    }
    if (value < min || value > max) {
      this.add(path, `must be between ${min} and ${max}, got ${value}`);
      return undefined;
    }
    return value;
  }

  /** An optional `integer` (null is a wrong type, not absence). */
  optionalInteger(value: unknown, path: string, min: number, max: number): number | undefined {
    if (value === undefined) return undefined;
    if (value === null) return this.wrongType(path, 'an integer', value);
    return this.integer(value, path, min, max);
  }

  /** An optional finite number within [min, max]. */
  optionalNumber(value: unknown, path: string, min: number, max: number): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.add(path, `must be a number, got ${describe(value)}`);
      return undefined;
    }
    if (value < min || value > max) {
      this.add(path, `must be between ${min} and ${max}, got ${value}`);
      return undefined;
    }
    return value;
  }

  /** An optional boolean. */
  optionalBoolean(value: unknown, path: string): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') {
      this.add(path, `must be a boolean, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }

  /** Requires an array (possibly empty); returns it for per-item checks. */
  array(value: unknown, path: string): unknown[] | undefined {
    if (value === undefined || value === null) {
      this.add(path, 'is required');
      return undefined;
    }
    if (!Array.isArray(value)) {
      this.add(path, `must be an array, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }

  /** An optional array (null is a wrong type, not absence). */
  optionalArray(value: unknown, path: string): unknown[] | undefined {
    if (value === undefined) return undefined;
    if (value === null) return this.wrongType(path, 'an array', value);
    return this.array(value, path);
  }

  private wrongType(path: string, expected: string, value: unknown): undefined {
    this.add(path, `must be ${expected}, got ${describe(value)}`);
    return undefined;
  }
}

/** Short description of a JSON value's type for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
