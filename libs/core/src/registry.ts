import type { ResourceTypeDescriptor } from './descriptor';

/** Thrown when two descriptors claim the same name or plural; a programming error. */
export class DuplicateTypeError extends Error {}

/** The set of known resource types, looked up by name or by plural. */
export class TypeRegistry {
  private readonly byName = new Map<string, ResourceTypeDescriptor>();
  private readonly byPluralMap = new Map<string, ResourceTypeDescriptor>();

  /** Adds a descriptor; registering the same descriptor twice is a no-op, a clash throws. */
  register(descriptor: ResourceTypeDescriptor): void {
    const existing = this.byName.get(descriptor.name);
    if (existing === descriptor) return;
    if (existing) throw new DuplicateTypeError(`resource type ${descriptor.name} is already registered`);
    if (this.byPluralMap.has(descriptor.plural)) {
      throw new DuplicateTypeError(`plural ${descriptor.plural} is already registered`);
    }
    this.byName.set(descriptor.name, descriptor);
    this.byPluralMap.set(descriptor.plural, descriptor);
  }

  /** The descriptor of a type name, or undefined. */
  get(name: string): ResourceTypeDescriptor | undefined {
    return this.byName.get(name);
  }

  /** The descriptor whose plural (REST path segment) is `plural`, or undefined. */
  byPlural(plural: string): ResourceTypeDescriptor | undefined {
    return this.byPluralMap.get(plural);
  }

  /** Every descriptor, sorted by name. */
  list(): ResourceTypeDescriptor[] {
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
