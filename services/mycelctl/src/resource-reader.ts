import type { Resource } from '@mycel/core';
import type { ApiClient, Query } from './api-client';
import { ApiRejectedError } from './errors';
import { insightKey } from './resource-tables';
import { collectionPath, resourcePath } from './type-catalog';
import type { ResourceTypeInfo, TypeCatalog } from './type-catalog';

/** Largest page the API serves; walks use it to need few requests. */
const WALK_PAGE_SIZE = 1000;

/** A listing's filters and paging. */
export interface ListOptions {
  /** Page size (1..1000); one page when given. */
  readonly size?: number;
  /** Cursor from a previous page (`next`). */
  readonly offset?: string;
  /** Only resources with all these labels. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** One page: `next` is the `--offset` of the following page, absent on the last one. */
export interface ResourcePage {
  readonly items: Resource[];
  readonly total: number;
  readonly next?: string;
}

/** One page of a type's resources (in one mesh for mesh-scoped types). */
export async function listPage(client: ApiClient, type: ResourceTypeInfo, mesh: string | undefined, options: ListOptions = {}): Promise<ResourcePage> {
  const query: Record<string, string> = {};
  if (options.size !== undefined) query['size'] = String(options.size);
  if (options.offset !== undefined) query['offset'] = options.offset;
  for (const [k, v] of Object.entries(options.labels ?? {})) query[`filter[labels.${k}]`] = v;
  const page = await client.get<{ items?: Resource[]; total?: number; next?: string | null }>(collectionPath(type, mesh), query as Query);
  const next = page.next ? offsetOf(page.next) : undefined;
  return { items: page.items ?? [], total: page.total ?? 0, ...(next !== undefined ? { next } : {}) };
}

/** Every resource of a type (in one mesh for mesh-scoped types), following `next` to the last page. */
export async function listAll(client: ApiClient, type: ResourceTypeInfo, mesh: string | undefined, labels?: Readonly<Record<string, string>>): Promise<Resource[]> {
  const items: Resource[] = [];
  let offset: string | undefined;
  do {
    const page = await listPage(client, type, mesh, { size: WALK_PAGE_SIZE, ...(offset !== undefined ? { offset } : {}), ...(labels ? { labels } : {}) });
    items.push(...page.items);
    offset = page.next;
  } while (offset !== undefined);
  return items;
}

/** One resource. */
export async function getResource(client: ApiClient, type: ResourceTypeInfo, name: string, mesh: string | undefined): Promise<Resource> {
  return client.get<Resource>(resourcePath(type, name, mesh));
}

/** The names of every mesh, sorted. */
export async function meshNames(client: ApiClient, catalog: TypeCatalog): Promise<string[]> {
  return (await listAll(client, catalog.resolve('meshes'), undefined)).map((m) => m.name);
}

/**
 * Every mesh-scoped resource of a type in the given meshes, mesh by mesh. A mesh deleted meanwhile
 * is skipped: its resources are gone with it.
 */
export async function listInMeshes(client: ApiClient, type: ResourceTypeInfo, meshes: readonly string[], labels?: Readonly<Record<string, string>>): Promise<Resource[]> {
  const items: Resource[] = [];
  for (const mesh of meshes) {
    try {
      items.push(...(await listAll(client, type, mesh, labels)));
    } catch (err) {
      if (meshes.length > 1 && err instanceof ApiRejectedError && err.status === 404) continue;
      throw err;
    }
  }
  return items;
}

/**
 * The insights of type `insightType` (e.g. `DataplaneInsight`) keyed by {@link insightKey}, for the
 * given meshes (or the global collection when `meshes` is undefined). Undefined when the control plane
 * has no such type, so callers can show "-" rather than guess.
 */
export async function insightsFor(client: ApiClient, catalog: TypeCatalog, insightType: string, meshes: readonly string[] | undefined): Promise<Map<string, Resource> | undefined> {
  const type = catalog.byName(insightType);
  if (!type) return undefined;
  const items = type.scope === 'mesh' ? await listInMeshes(client, type, meshes ?? []) : await listAll(client, type, undefined);
  return new Map(items.map((r) => [insightKey(r.mesh, r.name), r]));
}

/** The `offset` parameter of a `next` URL (the API's cursor, opaque to us). */
function offsetOf(next: string): string | undefined {
  return new URL(next, 'http://next.invalid').searchParams.get('offset') ?? undefined;
}
