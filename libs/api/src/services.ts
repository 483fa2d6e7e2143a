import type { ApiContext } from './context';
import { DataplaneService } from './dataplane.service';
import { ResourceService } from './resource.service';
import { TokenService } from './token.service';

/** The per-app service objects controllers delegate to. */
export interface ApiServices {
  readonly context: ApiContext;
  readonly resources: ResourceService;
  readonly tokens: TokenService;
  readonly dataplanes: DataplaneService;
}

/** Builds the services of one API app. */
export function createServices(context: ApiContext): ApiServices {
  return {
    context,
    resources: new ResourceService(context.registry, context.store, { mode: context.mode, ...(context.global !== undefined ? { global: context.global } : {}) }),
    tokens: new TokenService(context.auth),
    dataplanes: new DataplaneService(context.zone),
  };
}
