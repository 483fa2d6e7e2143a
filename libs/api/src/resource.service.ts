import {
  AlreadyExistsError,
  ConflictError,
  MESH_TYPE,
  MalformedInputError,
  MethodNotAllowedError,
  NotFoundError,
  ValidationError,
  formatKey,
  jsonEqual,
  parseResource,
} from '@mycel/core';
import type { Resource, ResourceInput, ResourceKey, ResourceTypeDescriptor, TypeRegistry } from '@mycel/core';
import type { ResourceStore } from '@mycel/store';
import { authorize } from '@mycel/tokens';
import type { Identity, WriteOperation } from '@mycel/tokens';
import type { GlobalApiExtensions } from './context';
import type { ResourceEnvelope } from './controllers/models';
import type { ListParams } from './list-query';
import { multizoneWriteProblem } from './write-policy';
import type { WriteAttempt } from './write-policy';

/** A page as the API returns it: `next` is the URL of the following page, or null on the last. */
export interface ResourcePage {
  items: ResourceEnvelope[];
  total: number;
  next: string | null;
}

/**
 * Result of a PUT: the stored resource, and whether it was created, updated or left unchanged. For a
 * dry run, `resource` and `outcome` are what the PUT would have stored and answered; nothing was stored.
 */
export interface PutResult {
  resource: Resource;
  outcome: 'created' | 'updated' | 'unchanged';
  dryRun?: boolean;
}

/** Options of {@link ResourceService.put}. */
export interface PutOptions {
  /** Run every check (authorization, validation, mesh existence, If-Match) but write nothing. */
  readonly dryRun?: boolean;
}

/** Where a resource lives as seen from a REST path: its type's plural, and its mesh for mesh-scoped types. */
export interface ResourcePath {
  readonly plural: string;
  readonly mesh?: string;
}

/** Options of {@link ResourceService}. */
export interface ResourceServiceOptions {
  /** Source of the times a dry run reports; the system clock by default. */
  readonly clock?: () => Date;
  /** Control plane mode (`standalone` by default): selects the multi-zone ownership rules of writes. */
  readonly mode?: string;
  /** On global: adds the zone registry's `status` to every Zone read. */
  readonly global?: GlobalApiExtensions;
}

/** Name of the type whose reads carry a computed status on global. */
const ZONE_TYPE = 'Zone';

/** Times a PUT without If-Match retries when another writer changes the resource in between. */
const UNCONDITIONAL_PUT_ATTEMPTS = 5;

/**
 * The business logic behind the generic resource endpoints: path → type resolution, authorization,
 * validation and the store calls. Controllers only translate HTTP to these calls.
 */
export class ResourceService {
  private readonly clock: () => Date;
  private readonly mode: string;

  constructor(
    private readonly registry: TypeRegistry,
    private readonly store: ResourceStore,
    private readonly options: ResourceServiceOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.mode = options.mode ?? 'standalone';
  }

  /** The descriptor addressed by a path; NotFoundError for unknown plurals or the wrong scope. */
  resolve(path: ResourcePath): ResourceTypeDescriptor {
    const descriptor = this.registry.byPlural(path.plural);
    if (!descriptor) throw new NotFoundError(`unknown resource type '${path.plural}'; GET /_resources lists the types`);
    if (path.mesh === undefined && descriptor.scope === 'mesh') {
      throw new NotFoundError(`${descriptor.plural} are mesh-scoped: use /meshes/{mesh}/${descriptor.plural}`);
    }
    if (path.mesh !== undefined && descriptor.scope === 'global') {
      throw new NotFoundError(`${descriptor.plural} are not mesh-scoped: use /${descriptor.plural}`);
    }
    return descriptor;
  }

  /** One resource. */
  async get(identity: Identity, path: ResourcePath, name: string): Promise<Resource> {
    const descriptor = this.resolve(path);
    authorize(identity, { verb: 'read', descriptor, name, ...meshOf(path) });
    return this.withStatus(descriptor, await this.store.get(this.key(descriptor, path, name)));
  }

  /** A page of resources; `basePath` builds the `next` URL. */
  async list(identity: Identity, path: ResourcePath, params: ListParams, basePath: string): Promise<ResourcePage> {
    const descriptor = this.resolve(path);
    authorize(identity, { verb: 'read', descriptor, ...meshOf(path) });
    if (path.mesh !== undefined) await this.requireMesh(path.mesh);
    let page;
    try {
      page = await this.store.list({
        type: descriptor.name,
        size: params.size,
        labels: params.labels,
        ...meshOf(path),
        ...(params.offset !== undefined ? { offset: params.offset } : {}),
        ...(params.nameContains !== undefined ? { nameContains: params.nameContains } : {}),
      });
    } catch (err) {
      if (err instanceof ValidationError || err instanceof MalformedInputError) {
        throw new MalformedInputError(err.message, err.violations.length > 0 ? err.violations : [{ field: 'offset', reason: err.message }], { cause: err });
      }
      throw err;
    }
    return { items: page.items.map((r) => this.withStatus(descriptor, r)) as ResourceEnvelope[], total: page.total, next: page.next === undefined ? null : nextUrl(basePath, params, page.next) };
  }

  /**
   * Creates or replaces a resource from a request body. With `ifMatch` the stored version must equal
   * it (ConflictError otherwise; `*` means "must exist"); without, concurrent writers are retried so
   * the last PUT wins. A rejected request changes nothing. With `options.dryRun` every check runs and
   * the result is what the PUT would have stored, but nothing is written.
   */
  async put(identity: Identity, path: ResourcePath, name: string, body: unknown, ifMatch: string | undefined, options: PutOptions = {}): Promise<PutResult> {
    const descriptor = this.resolve(path);
    this.requireWritable(descriptor, 'PUT');
    const key = this.key(descriptor, path, name);
    // Authorization needs to know create vs update (operators may update their Mesh, not create one);
    // it is checked again against the state seen at write time below.
    const before = await this.store.find(key);
    authorize(identity, { verb: 'write', descriptor, name, operation: before ? 'update' : 'create', ...meshOf(path) });
    if (body === undefined) throw new ValidationError('request body is required', [{ field: 'body', reason: 'is required: the resource to store' }]);
    const parsed = parseResource(this.registry, body, { type: descriptor.name, name, ...meshOf(path) });
    if (!parsed.ok) {
      throw new ValidationError(`invalid ${descriptor.name}: ${parsed.violations.map((v) => `${v.field}: ${v.reason}`).join('; ')}`, parsed.violations);
    }
    const input = parsed.value;
    this.checkOwnership({ descriptor, operation: before ? 'update' : 'create', ...(before ? { current: before } : {}), labels: input.labels });
    if (path.mesh !== undefined) await this.requireMesh(path.mesh);
    const expected = ifMatch === undefined ? undefined : parseIfMatch(ifMatch);

    for (let attempt = 1; ; attempt++) {
      const current = attempt === 1 ? before : await this.store.find(key);
      if (attempt > 1) {
        this.authorizeWrite(identity, descriptor, path, name, current ? 'update' : 'create');
        this.checkOwnership({ descriptor, operation: current ? 'update' : 'create', ...(current ? { current } : {}), labels: input.labels });
      }
      if (!current) {
        if (expected !== undefined) throw new ConflictError(`${formatKey(key)} does not exist, but If-Match requires version ${expected}`);
        if (options.dryRun) return this.preview(input, undefined);
        try {
          return { resource: await this.store.create(input), outcome: 'created' };
        } catch (err) {
          if (err instanceof AlreadyExistsError && attempt < UNCONDITIONAL_PUT_ATTEMPTS) continue;
          throw err;
        }
      }
      if (expected !== undefined && expected !== '*' && expected !== current.version) {
        throw new ConflictError(`${formatKey(key)} is at version ${current.version}, but If-Match requires version ${expected}`);
      }
      if (options.dryRun) return this.preview(input, current);
      try {
        const resource = await this.store.update(input, { expectedVersion: current.version });
        return { resource, outcome: resource.version === current.version ? 'unchanged' : 'updated' };
      } catch (err) {
        const retriable = (err instanceof ConflictError || err instanceof NotFoundError) && (expected === undefined || expected === '*');
        if (retriable && attempt < UNCONDITIONAL_PUT_ATTEMPTS) continue;
        if (err instanceof NotFoundError) throw new ConflictError(`${formatKey(key)} was deleted while it was being updated`, { cause: err });
        throw err;
      }
    }
  }

  /** Deletes a resource (a Mesh with everything in it); `ifMatch` as in {@link put}. */
  async delete(identity: Identity, path: ResourcePath, name: string, ifMatch: string | undefined): Promise<void> {
    const descriptor = this.resolve(path);
    this.requireWritable(descriptor, 'DELETE');
    authorize(identity, { verb: 'write', descriptor, name, operation: 'delete', ...meshOf(path) });
    const key = this.key(descriptor, path, name);
    const expected = ifMatch === undefined ? undefined : parseIfMatch(ifMatch);
    const current = await this.store.find(key);
    if (!current) {
      // As for PUT: a precondition on a resource that does not exist fails (409) rather than 404.
      if (expected !== undefined) throw new ConflictError(`${formatKey(key)} does not exist, but If-Match requires version ${expected}`);
      throw new NotFoundError(`${formatKey(key)} not found`);
    }
    this.checkOwnership({ descriptor, operation: 'delete', current });
    if (expected !== undefined && expected !== '*' && expected !== current.version) {
      throw new ConflictError(`${formatKey(key)} is at version ${current.version}, but If-Match requires version ${expected}`);
    }
    await this.store.delete(key, expected === undefined || expected === '*' ? {} : { expectedVersion: expected });
  }

  /** What writing `input` over `current` would store, by the store's rules (see ResourceStore.update), without writing. */
  private preview(input: ResourceInput, current: Resource | undefined): PutResult {
    const now = this.clock().toISOString();
    if (!current) return { resource: { ...input, creationTime: now, modificationTime: now, version: '1' }, outcome: 'created', dryRun: true };
    if (jsonEqual(current.labels, input.labels) && jsonEqual(current.spec, input.spec)) {
      return { resource: current, outcome: 'unchanged', dryRun: true };
    }
    const version = String(Number(current.version) + 1);
    return { resource: { ...input, creationTime: current.creationTime, modificationTime: now, version }, outcome: 'updated', dryRun: true };
  }

  private authorizeWrite(identity: Identity, descriptor: ResourceTypeDescriptor, path: ResourcePath, name: string, operation: WriteOperation): void {
    authorize(identity, { verb: 'write', descriptor, name, operation, ...meshOf(path) });
  }

  /** Throws what {@link multizoneWriteProblem} says about this write in this mode. */
  private checkOwnership(attempt: WriteAttempt): void {
    const problem = multizoneWriteProblem(this.mode, attempt);
    if (problem !== undefined) throw problem;
  }

  /** A Zone read on global with the zone registry's live status; every other resource unchanged. */
  private withStatus(descriptor: ResourceTypeDescriptor, resource: Resource): Resource {
    const global = this.options.global;
    if (global === undefined || descriptor.name !== ZONE_TYPE) return resource;
    const status = global.zoneStatus(resource.name) ?? { online: false, resources: {} };
    return { ...resource, status } as Resource;
  }

  private requireWritable(descriptor: ResourceTypeDescriptor, method: string): void {
    if (descriptor.readOnly) {
      throw new MethodNotAllowedError(`${method} is not allowed: ${descriptor.plural} are written by the control plane only`, ['GET']);
    }
  }

  private async requireMesh(mesh: string): Promise<void> {
    if (!(await this.store.find({ type: MESH_TYPE, name: mesh }))) throw new NotFoundError(`mesh '${mesh}' not found`);
  }

  private key(descriptor: ResourceTypeDescriptor, path: ResourcePath, name: string): ResourceKey {
    return descriptor.scope === 'mesh' ? { type: descriptor.name, mesh: path.mesh as string, name } : { type: descriptor.name, name };
  }
}

function meshOf(path: ResourcePath): { mesh?: string } {
  return path.mesh === undefined ? {} : { mesh: path.mesh };
}

/** Accepts `"3"`, `W/"3"`, `3` and `*`; anything else is malformed. */
export function parseIfMatch(header: string): string {
  const value = header.trim();
  if (value === '*') return '*';
  // Quotes come in pairs: `"3` or `3"` is not an entity tag.
  const m = /^(?:W\/)?"([0-9]+)"$/.exec(value) ?? /^([0-9]+)$/.exec(value);
  if (!m) {
    throw new MalformedInputError(`If-Match must be a version such as "3", got '${header}'`, [
      { field: 'header If-Match', reason: `must be a version such as "3" or *, got '${header}'` },
    ]);
  }
  return m[1] as string;
}

function nextUrl(basePath: string, params: ListParams, offset: string): string {
  const q = new URLSearchParams();
  q.set('size', String(params.size));
  q.set('offset', offset);
  if (params.nameContains !== undefined) q.set('name', params.nameContains);
  for (const [k, v] of Object.entries(params.labels).sort(([a], [b]) => (a < b ? -1 : 1))) q.set(`filter[labels.${k}]`, v);
  return `${basePath}?${q.toString()}`;
}
