import type { Controller } from '@tsoa/runtime';
import type { PutResult } from '../resource.service';
import type { ResourceEnvelope } from './models';

/**
 * Status and headers of a PUT: 201 when created, 200 otherwise; X-Mycel-Outcome always. ETag only
 * when something is stored: a dry run answers `X-Mycel-Dry-Run: true` instead, since no version exists.
 */
export function respondWithResource(controller: Controller, result: PutResult): ResourceEnvelope {
  controller.setStatus(result.outcome === 'created' ? 201 : 200);
  if (result.dryRun) controller.setHeader('X-Mycel-Dry-Run', 'true');
  else controller.setHeader('ETag', `"${result.resource.version}"`);
  controller.setHeader('X-Mycel-Outcome', result.outcome);
  return result.resource as ResourceEnvelope;
}
