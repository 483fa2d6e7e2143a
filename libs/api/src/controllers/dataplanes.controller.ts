import type { Request as ExRequest } from 'express';
import { Body, Controller, Get, Path, Post, Request, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import { identityOf } from '../authentication';
import type { ApiServices } from '../services';
import type { DataplaneRevocationRequestBody, DataplaneTokenRequestBody, TokenResponse } from './models';

/** Dataplane tokens and per-dataplane inspection (control planes that serve dataplanes). */
@Route('')
@Tags('Dataplanes')
@Security('bearer')
export class DataplanesController extends Controller {
  constructor(private readonly services: ApiServices) {
    super();
  }

  /** Issues a dataplane token (JWT, ES256, signed by the mesh's key) bound to a name and/or tags. Admin only. */
  @Post('tokens/dataplane')
  public async issueDataplaneToken(@Request() req: ExRequest, @Body() body: DataplaneTokenRequestBody): Promise<TokenResponse> {
    void body;
    return { token: await this.services.dataplanes.issueToken(identityOf(req), req.body) };
  }

  /** Revokes a dataplane token by its `jti`. Admin only. */
  @Post('tokens/dataplane/revocations')
  @SuccessResponse(204, 'revoked')
  public async revokeDataplaneToken(@Request() req: ExRequest, @Body() body: DataplaneRevocationRequestBody): Promise<void> {
    void body;
    await this.services.dataplanes.revokeToken(identityOf(req), req.body);
    this.setStatus(204);
  }

  /** The Envoy (or proxyless gRPC) xDS resources generated for a dataplane, decoded to JSON. */
  @Get('meshes/{mesh}/dataplanes/{name}/_config')
  public async dataplaneConfig(@Request() req: ExRequest, @Path() mesh: string, @Path() name: string): Promise<unknown> {
    return this.services.dataplanes.config(identityOf(req), mesh, name);
  }

  /** The policies that apply to a dataplane, merged per target (what the xDS generation used). */
  @Get('meshes/{mesh}/dataplanes/{name}/_rules')
  public async dataplaneRules(@Request() req: ExRequest, @Path() mesh: string, @Path() name: string): Promise<unknown> {
    return this.services.dataplanes.rules(identityOf(req), mesh, name);
  }
}
