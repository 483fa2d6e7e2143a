import type { Request } from 'express';
import type { Identity } from '@mycel/tokens';
import { identityOf } from './authentication';

/**
 * tsoa's authentication hook for `@Security('bearer')`. Authentication already ran as app-level
 * middleware (so a 401 comes before body parsing); this only hands its result to tsoa.
 */
export function expressAuthentication(request: Request, _securityName: string, _scopes?: string[]): Promise<Identity> {
  try {
    return Promise.resolve(identityOf(request));
  } catch (err) {
    return Promise.reject(err);
  }
}
