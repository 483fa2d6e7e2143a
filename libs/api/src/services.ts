import type { ApiContext } from './context';
import { DataplaneService } from './dataplane.service';
import { ResourceService } from './resource.service';
import { TokenService } from './token.service';
import { ZoneTokenService } from './zone-token.service';

/** The per-app service objects controllers delegate to. */
export interface ApiServices {
  readonly context: ApiContext;
  readonly resources: ResourceService;
  readonly tokens: TokenService;
  readonly dataplanes: DataplaneService;
  readonly zoneTokens: ZoneTokenService;
}

/** Builds the services of one API app. */
export function createServices(context: ApiContext): ApiServices {
  return {
    context,
    resources: new ResourceService(context.registry, context.store, { mode: context.mode, ...(context.global !== undefined ? { global: context.global } : {}) }),
    tokens: new TokenService(context.auth),
    dataplanes: new DataplaneService(context.zone),
    zoneTokens: new ZoneTokenService(context.mode, context.global),
  };
}
