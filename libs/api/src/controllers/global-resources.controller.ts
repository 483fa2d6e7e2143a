import type { Request as ExRequest } from 'express';
import { Body, Controller, Delete, Get, Header, Path, Put, Query, Request, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import { identityOf } from '../authentication';
import { parseListQuery } from '../list-query';
import { parseDeleteQuery, parsePutQuery } from '../write-query';
import type { ApiServices } from '../services';
import { respondWithResource } from './respond';
import type { ResourceEnvelope, ResourceList, ResourceRequest } from './models';

/** Global-scoped resources other than meshes, e.g. `/zones`, `/global-secrets`, `/zone-insights`. */
@Route('')
@Tags('Global resources')
@Security('bearer')
export class GlobalResourcesController extends Controller {
  constructor(private readonly services: ApiServices) {
    super();
  }

  /**
   * Lists the resources of one global-scoped type.
   * @param _size page size, 1..1000 (default 100)
   * @param _offset opaque cursor from the previous page's `next`
   * @param _name only names containing this substring
   */
  @Get('{plural}')
  public async listGlobalResources(@Request() req: ExRequest, @Path() plural: string, @Query('size') _size?: string, @Query('offset') _offset?: string, @Query('name') _name?: string): Promise<ResourceList> {
    return this.services.resources.list(identityOf(req), { plural }, parseListQuery(req.query), req.path);
  }

  /** One global-scoped resource. */
  @Get('{plural}/{name}')
  public async getGlobalResource(@Request() req: ExRequest, @Path() plural: string, @Path() name: string): Promise<ResourceEnvelope> {
    const resource = await this.services.resources.get(identityOf(req), { plural }, name);
    this.setHeader('ETag', `"${resource.version}"`);
    return resource as ResourceEnvelope;
  }

  /**
   * Creates (201) or replaces (200) a global-scoped resource; `If-Match` makes it conditional.
   * @param _dryRun `true`: check everything and answer as the PUT would, but store nothing
   */
  @Put('{plural}/{name}')
  @SuccessResponse(200, 'updated or unchanged')
  public async putGlobalResource(
    @Request() req: ExRequest,
    @Path() plural: string,
    @Path() name: string,
    @Body() body: ResourceRequest,
    @Header('If-Match') ifMatch?: string,
    @Query('dryRun') _dryRun?: string,
  ): Promise<ResourceEnvelope> {
    void body;
    const { dryRun } = parsePutQuery(req.query);
    return respondWithResource(this, await this.services.resources.put(identityOf(req), { plural }, name, req.body, ifMatch, { dryRun }));
  }

  /** Deletes a global-scoped resource. */
  @Delete('{plural}/{name}')
  @SuccessResponse(204, 'deleted')
  public async deleteGlobalResource(@Request() req: ExRequest, @Path() plural: string, @Path() name: string, @Header('If-Match') ifMatch?: string): Promise<void> {
    parseDeleteQuery(req.query);
    await this.services.resources.delete(identityOf(req), { plural }, name, ifMatch);
    this.setStatus(204);
  }
}
