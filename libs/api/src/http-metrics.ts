import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Metrics } from '@mycel/telemetry';

/**
 * Records the request duration in seconds (Prometheus `http_server_request_duration_seconds`)
 * per method, matched route template (never the raw path, to bound cardinality) and status code.
 */
export function httpMetrics(metrics: Metrics): RequestHandler {
  const histogram = metrics.meter('mycel.api').createHistogram('http.server.request.duration.seconds', {
    description: 'Duration of HTTP requests served by the API',
    // Named and unit-ed for Prometheus (the only exporter): OpenMetrics wants the unit as the name's suffix.
    unit: 'seconds',
    advice: { explicitBucketBoundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] },
  });
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = (req.route as { path?: string } | undefined)?.path;
      histogram.record(seconds, {
        'http.request.method': req.method,
        'http.route': route === undefined ? 'unmatched' : `${req.baseUrl}${route}`.replace(/:([A-Za-z]+)/g, '{$1}'),
        'http.response.status_code': res.statusCode,
      });
    });
    next();
  };
}
