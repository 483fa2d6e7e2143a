import type { Request as ExRequest } from 'express';
import { Body, Controller, Post, Request, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import { identityOf } from '../authentication';
import type { ApiServices } from '../services';
import type { RevocationRequestBody, TokenResponse, UserTokenRequestBody, ZoneTokenRequestBody, ZoneTokenResponse, ZoneTokenRevocationRequestBody } from './models';

/** Token issuing and revocation (admin only). */
@Route('tokens')
@Tags('Tokens')
@Security('bearer')
export class TokensController extends Controller {
  constructor(private readonly services: ApiServices) {
    super();
  }

  /** Issues a user token (JWT, ES256) for the API. */
  @Post('user')
  public async issueUserToken(@Request() req: ExRequest, @Body() body: UserTokenRequestBody): Promise<TokenResponse> {
    void body;
    return { token: await this.services.tokens.issueUserToken(identityOf(req), req.body) };
  }

  /** Revokes a token by its `jti`; it fails authentication from then on. */
  @Post('revocations')
  @SuccessResponse(204, 'revoked')
  public async revoke(@Request() req: ExRequest, @Body() body: RevocationRequestBody): Promise<void> {
    void body;
    await this.services.tokens.revoke(identityOf(req), req.body);
    this.setStatus(204);
  }

  /**
   * Issues a zone token: NATS credentials (a user JWT for `zone-<zone>` with exactly that zone's KDS
   * permissions and an expiry, plus its nkey seed) the zone control plane connects with. Global
   * control plane in zone-token mode only (`--kds-auth-dir`); admin only.
   */
  @Post('zone')
  public async issueZoneToken(@Request() req: ExRequest, @Body() body: ZoneTokenRequestBody): Promise<ZoneTokenResponse> {
    void body;
    return this.services.zoneTokens.issue(identityOf(req), req.body);
  }

  /** Revokes a zone token by id; nats-server disconnects the zone and refuses it from then on. Admin only. */
  @Post('zone/revocations')
  @SuccessResponse(204, 'revoked')
  public async revokeZoneToken(@Request() req: ExRequest, @Body() body: ZoneTokenRevocationRequestBody): Promise<void> {
    void body;
    await this.services.zoneTokens.revoke(identityOf(req), req.body);
    this.setStatus(204);
  }
}
