import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { UnauthenticatedError } from '@mycel/core';
import type { Identity } from '@mycel/tokens';
import type { ApiAuth } from './context';

/** Identity given to loopback callers when `localhostIsAdmin` is on (development convenience). */
export const LOCALHOST_ADMIN: Identity = Object.freeze({
  name: 'localhost',
  role: 'admin',
  meshes: [],
  jti: '',
  expiresAt: new Date(8.64e15),
});

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** True when the TCP peer is on the loopback interface. */
export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK.has(address);
}

/**
 * Authenticates every request that reaches it: a valid `Authorization: Bearer <jwt>` user token, or
 * (when enabled) a loopback peer without an Authorization header. Sets `res.locals.identity`;
 * otherwise fails with UnauthenticatedError (401). Authorization happens later, per resource.
 */
export function authenticate(auth: ApiAuth, localhostIsAdmin: boolean): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (header === undefined) {
      if (localhostIsAdmin && isLoopback(req.socket.remoteAddress)) {
        res.locals['identity'] = LOCALHOST_ADMIN;
        next();
        return;
      }
      next(new UnauthenticatedError('authentication required: send Authorization: Bearer <user token>'));
      return;
    }
    const m = /^Bearer ([^\s]+)$/i.exec(header.trim());
    if (!m) {
      next(new UnauthenticatedError("Authorization header must be 'Bearer <token>'"));
      return;
    }
    auth.validate(m[1] as string).then(
      (identity) => {
        res.locals['identity'] = identity;
        next();
      },
      (err: unknown) => next(err),
    );
  };
}

/** The identity set by {@link authenticate}; UnauthenticatedError if the route was not behind it. */
export function identityOf(req: Request): Identity {
  const identity = req.res?.locals['identity'] as Identity | undefined;
  if (!identity) throw new UnauthenticatedError('authentication required');
  return identity;
}
