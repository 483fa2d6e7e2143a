import type { Request } from 'express';
import type { IocContainer } from '@tsoa/runtime';
import type { ApiServices } from './services';

/** tsoa's IoC hook: controllers are built per request from the services of the app that serves it. */
export function iocContainer(request: Request): IocContainer {
  const services = request.app.locals['services'] as ApiServices;
  return {
    get: <T>(controller: unknown): T => new (controller as new (s: ApiServices) => T)(services),
  };
}
