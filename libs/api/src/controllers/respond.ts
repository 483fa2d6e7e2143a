import type { Controller } from '@tsoa/runtime';
import type { PutResult } from '../resource.service';
import type { ResourceEnvelope } from './models';

/** Status and headers of a PUT: 201 + Location when created, 200 otherwise; ETag and X-Mycel-Outcome always. */
export function respondWithResource(controller: Controller, result: PutResult): ResourceEnvelope {
  controller.setStatus(result.outcome === 'created' ? 201 : 200);
  controller.setHeader('ETag', `"${result.resource.version}"`);
  controller.setHeader('X-Mycel-Outcome', result.outcome);
  return result.resource as ResourceEnvelope;
}
