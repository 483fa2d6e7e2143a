import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import swaggerUi from 'swagger-ui-express';
import { MethodNotAllowedError } from '@mycel/core';
import { authenticate } from './authentication';
import { bodyParser } from './body-parser';
import type { ApiContext } from './context';
import { methodFallback } from './fallback';
import { RegisterRoutes } from './generated/routes';
import openapi from './generated/openapi.json';
import { httpMetrics } from './http-metrics';
import { sendProblem, toProblem } from './problem';
import { createServices } from './services';

/**
 * Builds the REST API app. Order matters: metrics → unauthenticated endpoints (`/`, `/healthz`,
 * `/readyz`, `/metrics`, `/openapi.json`, `/docs`) → authentication (401 before any body is read)
 * → body parsing (413/415/400) → tsoa routes → 405/404 → RFC 7807 error mapping.
 */
export function createApiApp(context: ApiContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'extended');
  app.locals['services'] = createServices(context);

  app.use(httpMetrics(context.metrics));
  app.get('/', (_req, res) => {
    res.json({ product: 'Mycel', version: context.version, mode: context.mode, instanceId: context.instanceId });
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const r = context.readiness();
    res.status(r.ready ? 200 : 503).json(r.ready ? { status: 'ready' } : { status: 'not ready', reason: r.reason });
  });
  app.get('/metrics', (req, res) => context.metrics.handle(req, res));
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use('/docs', (req, _res, next) => {
    next(req.method === 'GET' || req.method === 'HEAD' ? undefined : new MethodNotAllowedError(`${req.method} is not allowed on ${req.path}`, ['GET', 'HEAD']));
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapi as swaggerUi.JsonObject, { customSiteTitle: 'Mycel API' }));

  app.use(authenticate(context.auth, context.localhostIsAdmin));
  app.use(bodyParser(context.maxBodyBytes));
  RegisterRoutes(app);
  app.use(methodFallback(app));

  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const doc = toProblem(err, req.path);
    if (doc.status >= 500) context.logger.error('request failed', { method: req.method, path: req.path, error: err });
    sendProblem(res, doc, err);
  });
  return app;
}
