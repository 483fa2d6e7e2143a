import type { ApiClient } from './api-client';
import { ApiRejectedError, ContextError, UnsupportedError, UsageError } from './errors';
import type { ManifestDocument } from './manifest-reader';
import { MESH_TYPE, describeResource, resourcePath } from './type-catalog';
import type { ResourceTypeInfo, TypeCatalog } from './type-catalog';

/** The mesh of mesh-scoped documents that name none, when `--mesh` is not given either. */
export const DEFAULT_MESH = 'default';

/** One PUT `apply` will send. */
export interface PlannedWrite {
  readonly type: ResourceTypeInfo;
  readonly name: string;
  /** Present for mesh-scoped types. */
  readonly mesh?: string;
  /** The document, with `mesh` filled in for mesh-scoped types. */
  readonly body: Record<string, unknown>;
  /** Where the document came from, e.g. `dp.yaml, document 2`. */
  readonly origin: string;
}

/**
 * Turns documents into writes: each needs a `type` the control plane serves (and may write) and a
 * `name`; mesh-scoped documents without `mesh` get `--mesh` or `default`, and one whose mesh differs
 * from `--mesh` is refused. Everything else is left for the server to validate. Meshes come first,
 * then the other documents in their order. Every problem of every document is reported at once, as
 * a UsageError, before anything is sent.
 */
export function planApply(documents: readonly ManifestDocument[], catalog: TypeCatalog, meshFlag: string | undefined): PlannedWrite[] {
  const problems: string[] = [];
  const writes: PlannedWrite[] = [];
  const seen = new Map<string, string>();
  for (const doc of documents) {
    const { body, origin } = doc;
    const typeName = body['type'];
    const name = body['name'];
    const before = problems.length;
    let type: ResourceTypeInfo | undefined;
    if (typeof typeName !== 'string' || typeName === '') problems.push(`${origin}: type: is required (e.g. ${catalog.types.map((t) => t.name).join(', ')})`);
    else {
      type = catalog.byName(typeName);
      if (!type) {
        const near = catalog.find(typeName);
        problems.push(`${origin}: type: unknown resource type '${typeName}'${near ? `; did you mean '${near.name}'?` : `; the control plane serves ${catalog.types.map((t) => t.name).join(', ')}`}`);
      } else if (type.readOnly) problems.push(`${origin}: type: ${type.name} is written by the control plane only`);
    }
    if (typeof name !== 'string' || name === '') problems.push(`${origin}: name: is required`);
    let mesh: string | undefined;
    if (type?.scope === 'mesh') {
      const docMesh = body['mesh'];
      if (docMesh !== undefined && (typeof docMesh !== 'string' || docMesh === '')) problems.push(`${origin}: mesh: must be a mesh name`);
      else if (typeof docMesh === 'string' && meshFlag !== undefined && docMesh !== meshFlag) {
        problems.push(`${origin}: mesh: is '${docMesh}', but --mesh is '${meshFlag}'`);
      } else mesh = docMesh ?? meshFlag ?? DEFAULT_MESH;
    }
    if (problems.length > before || type === undefined || typeof name !== 'string') continue;
    const key = JSON.stringify([type.name, mesh ?? null, name]);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push(`${origin}: ${describeResource(type, name, mesh)} is also in ${earlier}; each resource may appear once`);
      continue;
    }
    seen.set(key, origin);
    writes.push({ type, name, ...(mesh !== undefined ? { mesh } : {}), body: mesh !== undefined ? { ...body, mesh } : body, origin });
  }
  if (problems.length > 0) throw new UsageError(`nothing was applied:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return [...writes.filter((w) => w.type.name === MESH_TYPE), ...writes.filter((w) => w.type.name !== MESH_TYPE)];
}

/** The part of ApiClient that apply needs (a fake in specs). */
export type ResourceWriter = Pick<ApiClient, 'request'>;

/** Outcome of one write, as the control plane reported it. */
export type WriteOutcome = 'created' | 'updated' | 'unchanged';

/** Options of {@link executeApply}. */
export interface ApplyOptions {
  /** Validate through the server (`?dryRun=true`) without storing. */
  readonly dryRun: boolean;
  /** Called after each successful write with its line, e.g. `dataplane demo/web-1 created`. */
  readonly report: (line: string) => void;
}

/**
 * Sends the writes in order and reports each. Stops at the first failure, throwing it wrapped in a
 * ContextError that names the resource and document (the writes reported before it stay applied).
 *
 * In a dry run nothing is stored, so a resource in a mesh that this same apply creates cannot find its
 * mesh: the server then answers 404 only after authorization and validation passed (it checks the mesh
 * last), so that answer is reported as `created (dry run)`.
 */
export async function executeApply(client: ResourceWriter, writes: readonly PlannedWrite[], options: ApplyOptions): Promise<void> {
  const newMeshes = new Set<string>();
  for (const w of writes) {
    const what = describeResource(w.type, w.name, w.mesh);
    let outcome: WriteOutcome;
    try {
      outcome = await put(client, w, options.dryRun, newMeshes);
    } catch (err) {
      throw new ContextError(`applying ${what} (from ${w.origin})`, err);
    }
    if (options.dryRun && w.type.name === MESH_TYPE && outcome === 'created') newMeshes.add(w.name);
    options.report(`${what} ${outcome}${options.dryRun ? ' (dry run)' : ''}`);
  }
}

async function put(client: ResourceWriter, w: PlannedWrite, dryRun: boolean, newMeshes: ReadonlySet<string>): Promise<WriteOutcome> {
  const path = resourcePath(w.type, w.name, w.mesh);
  try {
    const res = await client.request('PUT', path, { body: w.body, ...(dryRun ? { query: { dryRun: 'true' } } : {}) });
    if (dryRun && res.headers['x-mycel-dry-run'] !== 'true') {
      throw new UnsupportedError('dry runs', undefined, `its answer to PUT ${path}?dryRun=true has no X-Mycel-Dry-Run header, so ${describeResource(w.type, w.name, w.mesh)} may have been stored`);
    }
    return outcomeOf(res.headers['x-mycel-outcome'], res.status);
  } catch (err) {
    if (dryRun && err instanceof ApiRejectedError && err.status === 404 && w.mesh !== undefined && newMeshes.has(w.mesh)) return 'created';
    throw err;
  }
}

function outcomeOf(header: string | string[] | undefined, status: number): WriteOutcome {
  if (header === 'created' || header === 'updated' || header === 'unchanged') return header;
  // A server without X-Mycel-Outcome still tells creation apart by its status.
  return status === 201 ? 'created' : 'updated';
}
