import type { Request as ExRequest } from 'express';
import { Body, Controller, Delete, Get, Header, Path, Put, Query, Request, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Resource } from '@mycel/core';
import { identityOf } from '../authentication';
import { parseListQuery } from '../list-query';
import { parseDeleteQuery, parsePutQuery } from '../write-query';
import type { ApiServices } from '../services';
import { respondWithResource } from './respond';
import type { ResourceEnvelope, ResourceList, ResourceRequest } from './models';

/** Meshes, and every mesh-scoped resource under `/meshes/{mesh}/{plural}`. */
@Route('meshes')
@Tags('Meshes')
@Security('bearer')
export class MeshesController extends Controller {
  constructor(private readonly services: ApiServices) {
    super();
  }

  /**
   * Lists meshes. Filters: `name` (substring) and `filter[labels.<key>]=<value>` (exact, repeatable).
   * @param _size page size, 1..1000 (default 100)
   * @param _offset opaque cursor from the previous page's `next`
   * @param _name only names containing this substring
   */
  @Get()
  public async listMeshes(@Request() req: ExRequest, @Query('size') _size?: string, @Query('offset') _offset?: string, @Query('name') _name?: string): Promise<ResourceList> {
    return this.services.resources.list(identityOf(req), { plural: 'meshes' }, parseListQuery(req.query), req.path);
  }

  /** One mesh. */
  @Get('{name}')
  public async getMesh(@Request() req: ExRequest, @Path() name: string): Promise<ResourceEnvelope> {
    return this.etag(await this.services.resources.get(identityOf(req), { plural: 'meshes' }, name));
  }

  /**
   * Creates (201) or replaces (200) a mesh. `If-Match: "<version>"` makes the write conditional (409 on mismatch).
   * @param _dryRun `true`: check everything and answer as the PUT would, but store nothing
   */
  @Put('{name}')
  @SuccessResponse(200, 'updated or unchanged')
  public async putMesh(
    @Request() req: ExRequest,
    @Path() name: string,
    @Body() body: ResourceRequest,
    @Header('If-Match') ifMatch?: string,
    @Query('dryRun') _dryRun?: string,
  ): Promise<ResourceEnvelope> {
    void body;
    const { dryRun } = parsePutQuery(req.query);
    return respondWithResource(this, await this.services.resources.put(identityOf(req), { plural: 'meshes' }, name, req.body, ifMatch, { dryRun }));
  }

  /** Deletes a mesh and every resource in it. */
  @Delete('{name}')
  @SuccessResponse(204, 'deleted')
  public async deleteMesh(@Request() req: ExRequest, @Path() name: string, @Header('If-Match') ifMatch?: string): Promise<void> {
    parseDeleteQuery(req.query);
    await this.services.resources.delete(identityOf(req), { plural: 'meshes' }, name, ifMatch);
    this.setStatus(204);
  }

  /**
   * Lists the resources of one type in a mesh, e.g. `/meshes/default/dataplanes`.
   * @param _size page size, 1..1000 (default 100)
   * @param _offset opaque cursor from the previous page's `next`
   * @param _name only names containing this substring
   */
  @Get('{mesh}/{plural}')
  public async listMeshResources(
    @Request() req: ExRequest,
    @Path() mesh: string,
    @Path() plural: string,
    @Query('size') _size?: string,
    @Query('offset') _offset?: string,
    @Query('name') _name?: string,
  ): Promise<ResourceList> {
    return this.services.resources.list(identityOf(req), { plural, mesh }, parseListQuery(req.query), req.path);
  }

  /** One mesh-scoped resource. */
  @Get('{mesh}/{plural}/{name}')
  public async getMeshResource(@Request() req: ExRequest, @Path() mesh: string, @Path() plural: string, @Path() name: string): Promise<ResourceEnvelope> {
    return this.etag(await this.services.resources.get(identityOf(req), { plural, mesh }, name));
  }

  /**
   * Creates (201) or replaces (200) a mesh-scoped resource; `If-Match` as for meshes.
   * @param _dryRun `true`: check everything and answer as the PUT would, but store nothing
   */
  @Put('{mesh}/{plural}/{name}')
  @SuccessResponse(200, 'updated or unchanged')
  public async putMeshResource(
    @Request() req: ExRequest,
    @Path() mesh: string,
    @Path() plural: string,
    @Path() name: string,
    @Body() body: ResourceRequest,
    @Header('If-Match') ifMatch?: string,
    @Query('dryRun') _dryRun?: string,
  ): Promise<ResourceEnvelope> {
    void body;
    const { dryRun } = parsePutQuery(req.query);
    return respondWithResource(this, await this.services.resources.put(identityOf(req), { plural, mesh }, name, req.body, ifMatch, { dryRun }));
  }

  /** Deletes a mesh-scoped resource. */
  @Delete('{mesh}/{plural}/{name}')
  @SuccessResponse(204, 'deleted')
  public async deleteMeshResource(
    @Request() req: ExRequest,
    @Path() mesh: string,
    @Path() plural: string,
    @Path() name: string,
    @Header('If-Match') ifMatch?: string,
  ): Promise<void> {
    parseDeleteQuery(req.query);
    await this.services.resources.delete(identityOf(req), { plural, mesh }, name, ifMatch);
    this.setStatus(204);
  }

  private etag(resource: Resource): ResourceEnvelope {
    this.setHeader('ETag', `"${resource.version}"`);
    return resource as ResourceEnvelope;
  }
}
