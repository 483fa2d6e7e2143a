import { UsageError } from './errors';

/** One resource type as `GET /_resources` describes it. */
export interface ResourceTypeInfo {
  /** e.g. `Dataplane`. */
  readonly name: string;
  /** e.g. `dataplanes`; the CLI argument and the REST path segment. */
  readonly plural: string;
  /** e.g. `dataplane`. */
  readonly singular: string;
  readonly scope: 'global' | 'mesh';
  /** REST path of the collection, e.g. `/meshes/{mesh}/dataplanes`. */
  readonly path: string;
  readonly policy: boolean;
  /** Written by the control plane only. */
  readonly readOnly: boolean;
  /** Holds secret material (admin only). */
  readonly sensitive: boolean;
  readonly description: string;
}

/** The type name of meshes, which `apply` writes before anything else. */
export const MESH_TYPE = 'Mesh';

/**
 * The resource types a control plane serves, from its `/_resources` catalog — never a list compiled
 * into the CLI, so a new type works with `get`, `apply` and `delete` as soon as the server has it.
 */
export class TypeCatalog {
  /** Sorted by plural. */
  readonly types: readonly ResourceTypeInfo[];

  constructor(types: readonly ResourceTypeInfo[]) {
    this.types = [...types].sort((a, b) => (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0));
  }

  /** Reads a `/_resources` answer; entries without a name, plural, scope or path are skipped. */
  static fromResponse(body: unknown): TypeCatalog {
    const list = (body as { resources?: unknown } | null)?.resources;
    if (!Array.isArray(list)) return new TypeCatalog([]);
    const types: ResourceTypeInfo[] = [];
    for (const item of list as Array<Record<string, unknown>>) {
      if (typeof item !== 'object' || item === null) continue;
      const { name, plural, singular, scope, path } = item;
      if (typeof name !== 'string' || typeof plural !== 'string' || typeof path !== 'string' || (scope !== 'global' && scope !== 'mesh')) continue;
      types.push({
        name,
        plural,
        singular: typeof singular === 'string' ? singular : plural,
        scope,
        path,
        policy: item['policy'] === true,
        readOnly: item['readOnly'] === true,
        sensitive: item['sensitive'] === true,
        description: typeof item['description'] === 'string' ? item['description'] : '',
      });
    }
    return new TypeCatalog(types);
  }

  /** The type a CLI argument names: its plural, singular or type name, in any case. */
  find(arg: string): ResourceTypeInfo | undefined {
    const a = arg.toLowerCase();
    return this.types.find((t) => t.plural === a || t.singular === a || t.name.toLowerCase() === a);
  }

  /** Like {@link find}, but a UsageError listing the served types when there is no such type. */
  resolve(arg: string): ResourceTypeInfo {
    const t = this.find(arg);
    if (!t) throw new UsageError(`unknown resource type '${arg}'; the control plane serves: ${this.types.map((x) => x.plural).join(', ')}`);
    return t;
  }

  /** The type with exactly this type name (as in a resource's `type` field). */
  byName(name: string): ResourceTypeInfo | undefined {
    return this.types.find((t) => t.name === name);
  }
}

/** The REST path of a type's collection; `mesh` is required for mesh-scoped types. */
export function collectionPath(type: ResourceTypeInfo, mesh?: string): string {
  if (type.scope === 'global') return type.path;
  if (mesh === undefined) throw new TypeError(`collectionPath: ${type.plural} are mesh-scoped; a mesh is required`);
  return type.path.replace('{mesh}', encodeURIComponent(mesh));
}

/** The REST path of one resource. */
export function resourcePath(type: ResourceTypeInfo, name: string, mesh?: string): string {
  return `${collectionPath(type, mesh)}/${encodeURIComponent(name)}`;
}

/** How output lines name a resource: `mesh/demo` for global types, `dataplane demo/web-1` for mesh-scoped ones. */
export function describeResource(type: ResourceTypeInfo, name: string, mesh?: string): string {
  return type.scope === 'mesh' ? `${type.singular} ${mesh ?? '?'}/${name}` : `${type.singular}/${name}`;
}
