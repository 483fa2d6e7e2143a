import type { Application, NextFunction, Request, Response } from 'express';
import { MethodNotAllowedError, NotFoundError } from '@mycel/core';

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
  match(path: string): boolean;
}

/**
 * The last handler: a path that some route serves with another method is a 405 (with `Allow`), any
 * other path a 404. The allowed methods come from the app's own routes, so they can never drift.
 */
export function methodFallback(app: Application) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const stack = ((app as unknown as { _router?: { stack: RouteLayer[] } })._router?.stack ?? []) as RouteLayer[];
    const allowed = new Set<string>();
    for (const layer of stack) {
      if (!layer.route || !layer.match(req.path)) continue;
      for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') allowed.add(method.toUpperCase());
    }
    if (allowed.size > 0) {
      if (allowed.has('GET')) allowed.add('HEAD');
      const list = [...allowed].sort();
      next(new MethodNotAllowedError(`${req.method} is not allowed on ${req.path}; allowed: ${list.join(', ')}`, list));
      return;
    }
    next(new NotFoundError(`no endpoint at ${req.path}`));
  };
}
