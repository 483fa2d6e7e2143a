import type { Response } from 'express';
import { isMycelError } from '@mycel/core';
import type { ErrorCode, Violation } from '@mycel/core';

/** Media type of RFC 7807 problem documents. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An RFC 7807 problem document, with Kuma-style `invalidParameters` for validation failures. */
export interface ProblemDocument {
  /** URI reference naming the problem class, e.g. `/problems/invalid`. */
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request path the problem is about. */
  instance?: string;
  /** Every violated rule with its field path (400s). */
  invalidParameters?: Violation[];
}

const STATUS: Record<ErrorCode, { status: number; title: string }> = {
  NOT_FOUND: { status: 404, title: 'Not Found' },
  ALREADY_EXISTS: { status: 409, title: 'Already Exists' },
  CONFLICT: { status: 409, title: 'Conflict' },
  INVALID: { status: 400, title: 'Invalid Resource' },
  MALFORMED: { status: 400, title: 'Bad Request' },
  UNAUTHENTICATED: { status: 401, title: 'Unauthorized' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload Too Large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported Media Type' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method Not Allowed' },
  UNAVAILABLE: { status: 503, title: 'Service Unavailable' },
  INTERNAL: { status: 500, title: 'Internal Server Error' },
};

/**
 * Maps any thrown value to a problem document: Mycel errors by their code, tsoa's ValidateError to
 * 400 with its fields, express body errors by their status, anything else to a 500 that names no internals.
 */
export function toProblem(err: unknown, instance: string): ProblemDocument {
  if (isMycelError(err)) {
    const { status, title } = STATUS[err.code];
    const doc: ProblemDocument = { type: `/problems/${err.code.toLowerCase().replace(/_/g, '-')}`, title, status, detail: err.message, instance };
    const violations = (err as { violations?: readonly Violation[] }).violations;
    if (violations && violations.length > 0) doc.invalidParameters = [...violations];
    return doc;
  }
  if (isTsoaValidateError(err)) {
    const invalidParameters = Object.entries(err.fields).map(([field, f]) => ({ field: tsoaField(field), reason: f.message }));
    return {
      type: '/problems/malformed',
      title: 'Bad Request',
      status: 400,
      detail: `invalid request parameters: ${invalidParameters.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
      instance,
      invalidParameters,
    };
  }
  return { type: '/problems/internal', title: 'Internal Server Error', status: 500, detail: 'internal error; see the control plane log', instance };
}

/** Writes a problem document with the right status, media type and (401/405) headers. */
export function sendProblem(res: Response, doc: ProblemDocument, err?: unknown): void {
  if (doc.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="mycel"');
  if (err !== undefined && isMycelError(err) && err.code === 'METHOD_NOT_ALLOWED') {
    res.setHeader('Allow', (err as unknown as { allowed: readonly string[] }).allowed.join(', '));
  }
  res.status(doc.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(doc));
}

interface TsoaValidateError {
  name: 'ValidateError';
  fields: Record<string, { message: string; value?: unknown }>;
}

function isTsoaValidateError(err: unknown): err is TsoaValidateError {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'ValidateError' && typeof (err as { fields?: unknown }).fields === 'object';
}

/** tsoa names query parameters `size`, path ones `plural`, body ones `body.x`; we report them as given. */
function tsoaField(field: string): string {
  return field.replace(/^body\./, '');
}
